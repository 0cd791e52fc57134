// Secret<N>: fixed-size secret bytes that are wiped (sodium_memzero) when destroyed or moved
// from, and never copied implicitly.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include <sodium.h>

namespace bangban {

template <size_t N>
class Secret {
 public:
  Secret() { bytes_.fill(0); }
  ~Secret() { sodium_memzero(bytes_.data(), N); }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept {
    bytes_ = other.bytes_;
    sodium_memzero(other.bytes_.data(), N);
  }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      bytes_ = other.bytes_;
      sodium_memzero(other.bytes_.data(), N);
    }
    return *this;
  }

  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  static constexpr size_t size() { return N; }

 private:
  std::array<uint8_t, N> bytes_;
};

}  // namespace bangban
