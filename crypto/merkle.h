// Append-only Merkle tree, RFC 9162 (Certificate Transparency v2) section 2.1 shape over
// BLAKE2b-256: leaf hash = H(0x00 || leaf), node hash = H(0x01 || left || right), empty tree
// root = H(""). Leaves live wherever the caller keeps them (an LMDB log at a hub); this file
// holds only the algorithms.
//
// TO BE IMPLEMENTED (helper): see the contract comments below.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/hash.h"

namespace bangban {

Hash32 MerkleLeafHash(ByteView leaf);
Hash32 MerkleNodeHash(const Hash32& left, const Hash32& right);
Hash32 MerkleEmptyRoot();

// Where the algorithms read the tree from. LeafHash must answer for every index < size the
// caller passes. SubtreeHash may answer, from a cache, the hash of the complete subtree of
// 2^level leaves starting at leaf (index << level); returning nullopt makes the algorithms
// compute it from leaves.
class MerkleHashSource {
 public:
  virtual ~MerkleHashSource() = default;
  virtual Hash32 LeafHash(uint64_t index) const = 0;
  virtual std::optional<Hash32> SubtreeHash(unsigned level, uint64_t index) const;
};

// Root of the first `size` leaves (MTH in RFC 9162).
Hash32 MerkleRoot(uint64_t size, const MerkleHashSource& source);

// Inclusion proof (audit path) of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1).
std::vector<Hash32> MerkleInclusionProof(uint64_t index, uint64_t size, const MerkleHashSource& source);
// RFC 9162 2.1.3.2 verification. False for index >= size or a proof of the wrong length.
bool VerifyMerkleInclusion(const Hash32& leaf_hash, uint64_t index, uint64_t size, std::span<const Hash32> proof,
                           const Hash32& root);

// Consistency proof between the trees of old_size and new_size leaves (RFC 9162 2.1.4.1).
std::vector<Hash32> MerkleConsistencyProof(uint64_t old_size, uint64_t new_size, const MerkleHashSource& source);
// RFC 9162 2.1.4.2 verification.
bool VerifyMerkleConsistency(uint64_t old_size, uint64_t new_size, const Hash32& old_root, const Hash32& new_root,
                             std::span<const Hash32> proof);

// The right edge of an append-only tree: one hash per set bit of size, so the root after each
// append costs O(log n) without re-reading leaves. Append reports the complete subtrees it
// closed, so a log can store them and answer SubtreeHash later.
class MerkleFrontier {
 public:
  struct ClosedSubtree {
    unsigned level;
    uint64_t index;
    Hash32 hash;
  };

  uint64_t size() const { return size_; }
  // Appends one leaf hash; returns every complete subtree (level >= 1) this append completed.
  std::vector<ClosedSubtree> Append(const Hash32& leaf_hash);
  Hash32 Root() const;

  // Stable byte form for storage: size (8 bytes big-endian) then the frontier hashes.
  Bytes Serialize() const;
  // Error "bad_frontier" on malformed input.
  static MerkleFrontier Deserialize(ByteView bytes);

 private:
  uint64_t size_ = 0;
  std::vector<Hash32> nodes_;  // roots of the perfect subtrees, largest first
};

}  // namespace bangban
