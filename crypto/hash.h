// BLAKE2b-256, the one hash of bangban: record ids, Merkle trees, file checksums.
#pragma once

#include <array>

#include "crypto/bytes.h"

namespace bangban {

using Hash32 = std::array<uint8_t, 32>;

Hash32 Blake2b256(ByteView data);
// Hash of the concatenation of several parts, without copying them together.
Hash32 Blake2b256(std::initializer_list<ByteView> parts);

// BLAKE2b-256 of bytes that arrive in pieces (a file read in chunks): the same digest as
// Blake2b256 of their concatenation, with no copy of the whole.
class Blake2b256Stream {
 public:
  Blake2b256Stream();
  void Update(ByteView part);
  // The digest of every part so far; the stream may be updated further afterwards.
  Hash32 Digest() const;

 private:
  alignas(64) unsigned char state_[384];  // crypto_generichash_state, kept opaque here
};

}  // namespace bangban
