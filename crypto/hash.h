// BLAKE2b-256, the one hash of bangban: record ids, Merkle trees, file checksums.
#pragma once

#include <array>

#include "crypto/bytes.h"

namespace bangban {

using Hash32 = std::array<uint8_t, 32>;

Hash32 Blake2b256(ByteView data);
// Hash of the concatenation of several parts, without copying them together.
Hash32 Blake2b256(std::initializer_list<ByteView> parts);

}  // namespace bangban
