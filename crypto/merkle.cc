#include "crypto/merkle.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <limits>

#include "crypto/coding.h"
#include "crypto/error.h"

namespace bangban {

namespace {

// Domain separation (RFC 9162 2.1.1): a leaf can never be passed off as an interior node.
constexpr uint8_t kLeafPrefix[] = {0x00};
constexpr uint8_t kNodePrefix[] = {0x01};

// The RFC's k: the largest power of two strictly below n (n >= 2). The left part of every
// split is therefore a complete subtree.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH of the leaves [begin, end), end > begin. A complete, aligned range is first asked of
// the source's cache, so a log with cached subtrees pays one lookup per complete range
// instead of re-reading its leaves.
Hash32 RangeHash(uint64_t begin, uint64_t end, const MerkleHashSource& source) {
  const uint64_t n = end - begin;
  if (n == 1) return source.LeafHash(begin);
  if (std::has_single_bit(n) && begin % n == 0) {
    const auto level = static_cast<unsigned>(std::countr_zero(n));
    if (auto cached = source.SubtreeHash(level, begin >> level)) return *cached;
  }
  const uint64_t k = SplitPoint(n);
  return MerkleNodeHash(RangeHash(begin, begin + k, source), RangeHash(begin + k, end, source));
}

// PATH(index, D[begin:end]) of RFC 9162 2.1.3.1, appended deepest sibling first.
void AppendInclusionPath(uint64_t index, uint64_t begin, uint64_t end, const MerkleHashSource& source,
                         std::vector<Hash32>& out) {
  if (end - begin == 1) return;
  const uint64_t mid = begin + SplitPoint(end - begin);
  if (index < mid) {
    AppendInclusionPath(index, begin, mid, source, out);
    out.push_back(RangeHash(mid, end, source));
  } else {
    AppendInclusionPath(index, mid, end, source, out);
    out.push_back(RangeHash(begin, mid, source));
  }
}

// SUBPROOF(old_end - begin, D[begin:end], old_is_whole) of RFC 9162 2.1.4.1. old_is_whole
// says the old tree's root is exactly this range, which the verifier already holds.
void AppendConsistencyPath(uint64_t old_end, uint64_t begin, uint64_t end, bool old_is_whole,
                           const MerkleHashSource& source, std::vector<Hash32>& out) {
  if (old_end == end) {
    if (!old_is_whole) out.push_back(RangeHash(begin, end, source));
    return;
  }
  const uint64_t mid = begin + SplitPoint(end - begin);
  if (old_end <= mid) {
    AppendConsistencyPath(old_end, begin, mid, old_is_whole, source, out);
    out.push_back(RangeHash(mid, end, source));
  } else {
    AppendConsistencyPath(old_end, mid, end, false, source, out);
    out.push_back(RangeHash(begin, mid, source));
  }
}

// In the verification walks, fn is the node's position and sn the last position at the
// current level. An even fn equal to sn is the lone rightmost node of its level: it has no
// sibling there and is carried up unchanged until it becomes a right child (or the root of
// the left edge), so those levels consume no proof entry.
void SkipLoneLevels(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

std::optional<Hash32> MerkleHashSource::SubtreeHash(unsigned /*level*/, uint64_t /*index*/) const {
  return std::nullopt;
}

Hash32 MerkleLeafHash(ByteView leaf) { return Blake2b256({kLeafPrefix, leaf}); }

Hash32 MerkleNodeHash(const Hash32& left, const Hash32& right) { return Blake2b256({kNodePrefix, left, right}); }

Hash32 MerkleEmptyRoot() {
  static const Hash32 root = Blake2b256(ByteView{});
  return root;
}

Hash32 MerkleRoot(uint64_t size, const MerkleHashSource& source) {
  return size == 0 ? MerkleEmptyRoot() : RangeHash(0, size, source);
}

std::vector<Hash32> MerkleInclusionProof(uint64_t index, uint64_t size, const MerkleHashSource& source) {
  // Indices may come from a remote request, so a bad one is bad input, not a bug.
  if (index >= size) {
    throw Error(ErrorCode::kBadProofRequest, "inclusion proof asked for a leaf beyond the tree size");
  }
  std::vector<Hash32> proof;
  AppendInclusionPath(index, 0, size, source, proof);
  return proof;
}

bool VerifyMerkleInclusion(const Hash32& leaf_hash, uint64_t index, uint64_t size, std::span<const Hash32> proof,
                           const Hash32& root) {
  if (index >= size) return false;
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash32 r = leaf_hash;
  for (const Hash32& p : proof) {
    if (sn == 0) return false;  // more entries than the path has levels
    if ((fn & 1) != 0 || fn == sn) {
      r = MerkleNodeHash(p, r);
      SkipLoneLevels(fn, sn);
    } else {
      r = MerkleNodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;  // sn != 0: the proof stopped short of the root
}

std::vector<Hash32> MerkleConsistencyProof(uint64_t old_size, uint64_t new_size, const MerkleHashSource& source) {
  if (old_size > new_size) {
    throw Error(ErrorCode::kBadProofRequest, "consistency proof asked from a larger tree to a smaller one");
  }
  // The empty tree and an unchanged tree need no proof (RFC 9162 2.1.4).
  std::vector<Hash32> proof;
  if (old_size == 0 || old_size == new_size) return proof;
  AppendConsistencyPath(old_size, 0, new_size, true, source, proof);
  return proof;
}

bool VerifyMerkleConsistency(uint64_t old_size, uint64_t new_size, const Hash32& old_root, const Hash32& new_root,
                             std::span<const Hash32> proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) {
    // Nothing was appended: the roots must simply agree (and an empty tree has one root).
    return proof.empty() && old_root == new_root && (old_size != 0 || old_root == MerkleEmptyRoot());
  }
  // Every tree extends the empty one; still insist the claimed old root is the empty root so a
  // caller cannot get an arbitrary root vouched for.
  if (old_size == 0) return proof.empty() && old_root == MerkleEmptyRoot();
  if (proof.empty()) return false;

  // A complete old tree is a node of the new one; the proof leaves its hash out because the
  // verifier already has it (RFC 9162 2.1.4.2 step 2).
  const bool old_is_complete = std::has_single_bit(old_size);
  Hash32 fr = old_is_complete ? old_root : proof.front();
  Hash32 sr = fr;
  const std::span<const Hash32> rest = old_is_complete ? proof : proof.subspan(1);

  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  // Start from the level of the old tree's rightmost complete subtree, where the walk begins.
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  for (const Hash32& c : rest) {
    if (sn == 0) return false;  // more entries than the path has levels
    if ((fn & 1) != 0 || fn == sn) {
      // c is a left sibling: part of both the old and the new tree.
      fr = MerkleNodeHash(c, fr);
      sr = MerkleNodeHash(c, sr);
      SkipLoneLevels(fn, sn);
    } else {
      // c is a right sibling: appended after the old tree, so only in the new one.
      sr = MerkleNodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

std::vector<MerkleFrontier::ClosedSubtree> MerkleFrontier::Append(const Hash32& leaf_hash) {
  assert(size_ != std::numeric_limits<uint64_t>::max());
  // Like binary increment: each trailing set bit of size_ is a complete subtree that the new
  // leaf's carry merges with, closing a subtree one level higher.
  std::vector<ClosedSubtree> closed;
  const uint64_t new_size = size_ + 1;
  Hash32 carry = leaf_hash;
  for (unsigned level = 1; (size_ >> (level - 1) & 1) != 0; ++level) {
    carry = MerkleNodeHash(nodes_.back(), carry);
    nodes_.pop_back();
    // The closed subtree ends at new_size, so it is the last one of its level so far.
    closed.push_back({level, (new_size >> level) - 1, carry});
  }
  nodes_.push_back(carry);
  size_ = new_size;
  return closed;
}

Hash32 MerkleFrontier::Root() const {
  if (nodes_.empty()) return MerkleEmptyRoot();
  // MTH splits off the largest complete subtree on the left, so folding from the smallest
  // (rightmost) subtree outwards rebuilds exactly the RFC's shape.
  Hash32 root = nodes_.back();
  for (auto it = nodes_.rbegin() + 1; it != nodes_.rend(); ++it) root = MerkleNodeHash(*it, root);
  return root;
}

Bytes MerkleFrontier::Serialize() const {
  Bytes out;
  out.reserve(8 + nodes_.size() * sizeof(Hash32));
  PutBigEndian64(out, size_);
  for (const Hash32& node : nodes_) PutRaw(out, node);
  return out;
}

MerkleFrontier MerkleFrontier::Deserialize(ByteView bytes) {
  ByteView in = bytes;
  auto size = GetBigEndian64(in);
  if (!size) throw Error(ErrorCode::kBadFrontier, "a Merkle frontier is shorter than its size field");
  MerkleFrontier frontier;
  frontier.size_ = *size;
  // One hash per set bit of the size, no more and no less.
  const auto count = static_cast<size_t>(std::popcount(frontier.size_));
  if (bytes.size() != 8 + count * sizeof(Hash32)) {
    throw Error(ErrorCode::kBadFrontier, "a Merkle frontier's length does not match its size");
  }
  for (size_t i = 0; i < count; ++i) {
    Hash32 node;
    const auto part = bytes.subspan(8 + i * node.size(), node.size());
    std::copy(part.begin(), part.end(), node.begin());
    frontier.nodes_.push_back(node);
  }
  return frontier;
}

}  // namespace bangban
