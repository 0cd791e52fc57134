#include "crypto/hash.h"

#include <sodium.h>

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

}  // namespace bangban
