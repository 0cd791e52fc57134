// The code of the bangban::Error that `f` throws, or "" when it throws none: for tests that
// assert which refusal a call makes.
#pragma once

#include <functional>
#include <string>

#include "crypto/error.h"

namespace bangban::test_support {

inline std::string ErrorCodeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return std::string(e.code());
  }
  return "";
}

}  // namespace bangban::test_support
