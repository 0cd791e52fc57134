// Error: the one exception type bangban throws for expected failures (bad input, refused
// records, I/O). `code` is a short stable token (used on the wire and in reports); `what()` is
// a sentence a person can act on. Programming errors use assertions, not Error.
#pragma once

#include <stdexcept>
#include <string>

namespace bangban {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}

  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

}  // namespace bangban
