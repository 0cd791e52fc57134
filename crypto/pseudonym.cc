#include "crypto/pseudonym.h"

#include <sodium.h>

#include "crypto/error.h"
#include "crypto/identity.h"

namespace bangban {

PseudonymKey PseudonymKey::Generate() {
  EnsureSodium();
  PseudonymKey key;
  randombytes_buf(key.key_.data(), key.key_.size());
  return key;
}

PseudonymKey PseudonymKey::FromBytes(ByteView bytes) {
  EnsureSodium();
  if (bytes.size() != 32) throw Error(ErrorCode::kBadKey, "a pseudonym key must be 32 bytes");
  PseudonymKey key;
  std::memcpy(key.key_.data(), bytes.data(), 32);
  return key;
}

Hash32 PseudonymKey::Pseudonym(ByteView personal_data) const {
  Hash32 out;
  crypto_generichash(out.data(), out.size(), personal_data.data(), personal_data.size(), key_.data(), key_.size());
  return out;
}

}  // namespace bangban
