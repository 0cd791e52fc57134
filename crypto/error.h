// Error: the one exception type bangban throws for expected failures (bad input, refused
// records, I/O). `code` is a stable token from the catalogue (crypto/error_code.h), used on the
// wire and in reports; `what()` is a sentence a person can act on. Programming errors use
// assertions, not Error.
#pragma once

#include <stdexcept>
#include <string>

#include "crypto/error_code.h"

namespace bangban {

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code.name()) {}

  // A refusal a peer sent with its code (which may be one this version does not know), passed on
  // as it came.
  static Error Relayed(std::string code, const std::string& message) { return Error(std::move(code), message); }

  // The same code with another sentence (e.g. naming where a nested failure happened).
  static Error Reworded(const Error& cause, const std::string& message) { return Error(cause.code_, message); }

  const std::string& code() const { return code_; }
  bool Is(ErrorCode code) const { return code_ == code.name(); }

 private:
  Error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}

  std::string code_;
};

}  // namespace bangban
