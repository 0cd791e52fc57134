#include "crypto/hash.h"

#include <sodium.h>

#include <cstring>

namespace bangban {

Hash32 Blake2b256(ByteView data) { return Blake2b256({data}); }

Hash32 Blake2b256(std::initializer_list<ByteView> parts) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  for (ByteView part : parts) crypto_generichash_update(&state, part.data(), part.size());
  Hash32 out;
  crypto_generichash_final(&state, out.data(), out.size());
  return out;
}

Blake2b256Stream::Blake2b256Stream() {
  static_assert(sizeof(crypto_generichash_state) <= 384);
  crypto_generichash_init(reinterpret_cast<crypto_generichash_state*>(state_), nullptr, 0, 32);
}

void Blake2b256Stream::Update(ByteView part) {
  crypto_generichash_update(reinterpret_cast<crypto_generichash_state*>(state_), part.data(), part.size());
}

Hash32 Blake2b256Stream::Digest() const {
  crypto_generichash_state copy;
  std::memcpy(&copy, state_, sizeof copy);
  Hash32 out;
  crypto_generichash_final(&copy, out.data(), out.size());
  return out;
}

}  // namespace bangban
