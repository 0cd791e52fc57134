#include "crypto/merkle.h"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "crypto/coding.h"
#include "crypto/error.h"

namespace bangban {
namespace {

Bytes LeafData(uint64_t i) {
  const std::string text = "leaf-" + std::to_string(i);
  return Bytes(text.begin(), text.end());
}

std::vector<Bytes> Leaves(uint64_t n) {
  std::vector<Bytes> leaves;
  for (uint64_t i = 0; i < n; ++i) leaves.push_back(LeafData(i));
  return leaves;
}

// The oracle: RFC 9162 2.1.1 MTH written as naively as possible, hashing one concatenated
// buffer with the plain hash, so it shares nothing with the code under test but Blake2b256.
Hash32 ReferenceRoot(std::span<const Bytes> leaves) {
  if (leaves.empty()) return Blake2b256(ByteView{});
  Bytes buffer;
  if (leaves.size() == 1) {
    buffer.push_back(0x00);
    buffer.insert(buffer.end(), leaves[0].begin(), leaves[0].end());
    return Blake2b256(buffer);
  }
  size_t k = 1;
  while (k * 2 < leaves.size()) k *= 2;
  const Hash32 left = ReferenceRoot(leaves.first(k));
  const Hash32 right = ReferenceRoot(leaves.subspan(k));
  buffer.push_back(0x01);
  buffer.insert(buffer.end(), left.begin(), left.end());
  buffer.insert(buffer.end(), right.begin(), right.end());
  return Blake2b256(buffer);
}

// Leaves held in memory; counts the reads so tests can see what the algorithms cost.
class CountingSource : public MerkleHashSource {
 public:
  explicit CountingSource(uint64_t n) {
    for (const Bytes& leaf : Leaves(n)) leaf_hashes_.push_back(MerkleLeafHash(leaf));
  }
  Hash32 LeafHash(uint64_t index) const override {
    ++leaf_calls;
    return leaf_hashes_.at(index);
  }
  const Hash32& leaf_hash(uint64_t index) const { return leaf_hashes_.at(index); }

  mutable uint64_t leaf_calls = 0;

 private:
  std::vector<Hash32> leaf_hashes_;
};

// The same leaves plus a subtree cache filled only from what MerkleFrontier::Append reported,
// the way a log would fill it.
class CachedSource : public CountingSource {
 public:
  explicit CachedSource(uint64_t n) : CountingSource(n) {
    for (uint64_t i = 0; i < n; ++i) {
      for (const auto& closed : frontier.Append(leaf_hash(i))) {
        cache_[{closed.level, closed.index}] = closed.hash;
      }
    }
  }
  std::optional<Hash32> SubtreeHash(unsigned level, uint64_t index) const override {
    ++subtree_calls;
    auto it = cache_.find({level, index});
    if (it == cache_.end()) return std::nullopt;
    return it->second;
  }
  uint64_t calls() const { return leaf_calls + subtree_calls; }

  MerkleFrontier frontier;
  mutable uint64_t subtree_calls = 0;

 private:
  std::map<std::pair<unsigned, uint64_t>, Hash32> cache_;
};

Hash32 Flipped(Hash32 hash, size_t byte = 0) {
  hash[byte] ^= 0x01;
  return hash;
}

void ExpectBadFrontier(ByteView bytes) {
  try {
    MerkleFrontier::Deserialize(bytes);
    ADD_FAILURE() << "Deserialize accepted " << bytes.size() << " bytes";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "bad_frontier");
  }
}

TEST(MerkleTest, HashesUseRfcDomainPrefixes) {
  const Bytes leaf = {'x'};
  const Bytes prefixed_leaf = {0x00, 'x'};
  EXPECT_EQ(MerkleLeafHash(leaf), Blake2b256(prefixed_leaf));
  EXPECT_NE(MerkleLeafHash(leaf), Blake2b256(leaf));

  const Hash32 a = Blake2b256(AsBytes("a"));
  const Hash32 b = Blake2b256(AsBytes("b"));
  Bytes node = {0x01};
  node.insert(node.end(), a.begin(), a.end());
  node.insert(node.end(), b.begin(), b.end());
  EXPECT_EQ(MerkleNodeHash(a, b), Blake2b256(node));
  EXPECT_NE(MerkleNodeHash(a, b), MerkleNodeHash(b, a));

  EXPECT_EQ(MerkleEmptyRoot(), Blake2b256(ByteView{}));
}

TEST(MerkleTest, DefaultSubtreeHashHasNoCache) {
  const CountingSource source(4);
  EXPECT_FALSE(source.MerkleHashSource::SubtreeHash(1, 0).has_value());
}

TEST(MerkleTest, RootMatchesNaiveReference) {
  const std::vector<Bytes> leaves = Leaves(200);
  const CountingSource source(200);
  MerkleFrontier frontier;
  for (uint64_t n = 0; n <= 200; ++n) {
    const Hash32 expected = ReferenceRoot(std::span(leaves).first(n));
    EXPECT_EQ(MerkleRoot(n, source), expected) << "size " << n;
    EXPECT_EQ(frontier.size(), n);
    EXPECT_EQ(frontier.Root(), expected) << "size " << n;
    if (n < 200) frontier.Append(source.leaf_hash(n));
  }
}

TEST(MerkleTest, ThreeLeafFixedVector) {
  // Root of the leaves "a", "b", "c": H(01 || H(01 || H(00 a) || H(00 b)) || H(00 c)).
  // Written down from the naive reference; Python's hashlib.blake2b(digest_size=32) agrees.
  constexpr std::string_view kExpected = "17321db51c1ef3ec1f77e271aa300b4e5c6091708bcba37e46025774a26142ee";
  const std::vector<Bytes> leaves = {{'a'}, {'b'}, {'c'}};
  EXPECT_EQ(ToHex(ReferenceRoot(leaves)), kExpected);

  MerkleFrontier frontier;
  for (const Bytes& leaf : leaves) frontier.Append(MerkleLeafHash(leaf));
  EXPECT_EQ(ToHex(frontier.Root()), kExpected);

  class AbcSource : public MerkleHashSource {
   public:
    Hash32 LeafHash(uint64_t index) const override {
      const uint8_t letter = static_cast<uint8_t>('a' + index);
      return MerkleLeafHash(ByteView(&letter, 1));
    }
  };
  EXPECT_EQ(ToHex(MerkleRoot(3, AbcSource())), kExpected);
}

TEST(MerkleTest, InclusionProofsVerifyAndTamperingFails) {
  const CountingSource source(128);
  // lengths[i][m]: how many entries the inclusion proof of leaf i in a tree of m leaves has.
  std::vector<std::vector<size_t>> lengths(128, std::vector<size_t>(129));
  for (uint64_t m = 1; m <= 128; ++m) {
    for (uint64_t i = 0; i < m; ++i) lengths[i][m] = MerkleInclusionProof(i, m, source).size();
  }
  uint64_t wrong_size_checks = 0;
  for (uint64_t n = 1; n <= 64; ++n) {
    const Hash32 root = MerkleRoot(n, source);
    for (uint64_t i = 0; i < n; ++i) {
      const Hash32& leaf = source.leaf_hash(i);
      std::vector<Hash32> proof = MerkleInclusionProof(i, n, source);
      ASSERT_TRUE(VerifyMerkleInclusion(leaf, i, n, proof, root)) << i << " of " << n;

      EXPECT_FALSE(VerifyMerkleInclusion(Flipped(leaf), i, n, proof, root));
      EXPECT_FALSE(VerifyMerkleInclusion(leaf, i, n, proof, Flipped(root, 31)));
      for (size_t p = 0; p < proof.size(); ++p) {
        std::vector<Hash32> tampered = proof;
        tampered[p] = Flipped(tampered[p], p % 32);
        EXPECT_FALSE(VerifyMerkleInclusion(leaf, i, n, tampered, root)) << i << " of " << n;
      }
      if (!proof.empty()) {
        EXPECT_FALSE(VerifyMerkleInclusion(leaf, i, n, std::span(proof).first(proof.size() - 1), root));
      }
      std::vector<Hash32> longer = proof;
      longer.push_back(root);
      EXPECT_FALSE(VerifyMerkleInclusion(leaf, i, n, longer, root));

      // Within one tree the path directions identify the leaf, so every other index fails.
      for (uint64_t j = 0; j < n; ++j) {
        if (j == i) continue;
        EXPECT_FALSE(VerifyMerkleInclusion(leaf, j, n, proof, root)) << j;
      }
      EXPECT_FALSE(VerifyMerkleInclusion(leaf, n, n, proof, root));
      EXPECT_FALSE(VerifyMerkleInclusion(leaf, i, i, proof, root));

      // A wrong size whose path has another length must fail. (A wrong size with the same
      // path shape cannot be told apart from the proof alone; the signed tree head carries
      // the size, which is why the verifier takes it as an argument.)
      for (uint64_t m = i + 1; m <= 128; ++m) {
        if (m == n || lengths[i][m] == proof.size()) continue;
        EXPECT_FALSE(VerifyMerkleInclusion(leaf, i, m, proof, root)) << i << " in " << m;
        ++wrong_size_checks;
      }
    }
  }
  EXPECT_GT(wrong_size_checks, 10000u);
}

TEST(MerkleTest, ConsistencyProofsVerifyAndTamperingFails) {
  const CountingSource source(64);
  std::vector<Hash32> roots;
  for (uint64_t n = 0; n <= 64; ++n) roots.push_back(MerkleRoot(n, source));
  // lengths[m][n]: how many entries the proof from m to n has.
  std::vector<std::vector<size_t>> lengths(65, std::vector<size_t>(65));
  for (uint64_t n = 1; n <= 64; ++n) {
    for (uint64_t m = 1; m <= n; ++m) lengths[m][n] = MerkleConsistencyProof(m, n, source).size();
  }
  uint64_t wrong_size_checks = 0;

  for (uint64_t n = 1; n <= 64; ++n) {
    for (uint64_t m = 1; m <= n; ++m) {
      const std::vector<Hash32> proof = MerkleConsistencyProof(m, n, source);
      ASSERT_TRUE(VerifyMerkleConsistency(m, n, roots[m], roots[n], proof)) << m << "->" << n;
      EXPECT_EQ(proof.empty(), m == n);

      EXPECT_FALSE(VerifyMerkleConsistency(m, n, Flipped(roots[m]), roots[n], proof));
      EXPECT_FALSE(VerifyMerkleConsistency(m, n, roots[m], Flipped(roots[n]), proof));
      for (size_t p = 0; p < proof.size(); ++p) {
        std::vector<Hash32> tampered = proof;
        tampered[p] = Flipped(tampered[p], p % 32);
        EXPECT_FALSE(VerifyMerkleConsistency(m, n, roots[m], roots[n], tampered)) << m << "->" << n << " entry " << p;
      }
      if (!proof.empty()) {
        EXPECT_FALSE(VerifyMerkleConsistency(m, n, roots[m], roots[n], std::span(proof).first(proof.size() - 1)));
      }
      std::vector<Hash32> longer = proof;
      longer.push_back(roots[n]);
      EXPECT_FALSE(VerifyMerkleConsistency(m, n, roots[m], roots[n], longer));

      if (m != n) {
        EXPECT_FALSE(VerifyMerkleConsistency(n, m, roots[n], roots[m], proof));
      }

      // Claiming other sizes whose proof has another length fails. (As with inclusion, sizes
      // giving the same path shape cannot be told apart; the signed tree heads carry them.)
      for (uint64_t other = 1; other <= 64; ++other) {
        if (other <= n && other != m && lengths[other][n] != proof.size()) {
          EXPECT_FALSE(VerifyMerkleConsistency(other, n, roots[m], roots[n], proof));
          ++wrong_size_checks;
        }
        if (other >= m && other != n && lengths[m][other] != proof.size()) {
          EXPECT_FALSE(VerifyMerkleConsistency(m, other, roots[m], roots[n], proof));
          ++wrong_size_checks;
        }
      }
    }
  }
  EXPECT_GT(wrong_size_checks, 10000u);
}

TEST(MerkleTest, ZeroAndEqualSizesFollowRfc) {
  const CountingSource source(8);
  const Hash32 empty = MerkleEmptyRoot();
  const Hash32 root5 = MerkleRoot(5, source);
  const std::vector<Hash32> none;
  const std::vector<Hash32> one = {root5};

  EXPECT_TRUE(MerkleConsistencyProof(0, 5, source).empty());
  EXPECT_TRUE(MerkleConsistencyProof(5, 5, source).empty());
  EXPECT_TRUE(VerifyMerkleConsistency(0, 5, empty, root5, none));
  EXPECT_FALSE(VerifyMerkleConsistency(0, 5, empty, root5, one));
  EXPECT_FALSE(VerifyMerkleConsistency(0, 5, root5, root5, none));
  EXPECT_TRUE(VerifyMerkleConsistency(0, 0, empty, empty, none));
  EXPECT_FALSE(VerifyMerkleConsistency(0, 0, root5, root5, none));
  EXPECT_TRUE(VerifyMerkleConsistency(5, 5, root5, root5, none));
  EXPECT_FALSE(VerifyMerkleConsistency(5, 5, root5, empty, none));
  EXPECT_FALSE(VerifyMerkleConsistency(5, 5, root5, root5, one));
  EXPECT_FALSE(VerifyMerkleConsistency(5, 3, root5, root5, none));
  EXPECT_FALSE(VerifyMerkleConsistency(3, 5, MerkleRoot(3, source), root5, none));

  EXPECT_FALSE(VerifyMerkleInclusion(source.leaf_hash(0), 0, 0, none, empty));
  EXPECT_TRUE(VerifyMerkleInclusion(source.leaf_hash(0), 0, 1, none, MerkleRoot(1, source)));
}

TEST(MerkleTest, ProofRequestsOutOfRangeThrow) {
  const CountingSource source(8);
  EXPECT_THROW(MerkleInclusionProof(8, 8, source), Error);
  EXPECT_THROW(MerkleInclusionProof(0, 0, source), Error);
  EXPECT_THROW(MerkleConsistencyProof(6, 5, source), Error);
}

TEST(MerkleTest, VerificationSurvivesHostileInput) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  std::vector<Hash32> junk(200);
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = Blake2b256(LeafData(i));
  const Hash32 h = junk[0];
  for (size_t len : {0, 1, 63, 64, 65, 200}) {
    const auto proof = std::span(junk).first(len);
    EXPECT_FALSE(VerifyMerkleInclusion(h, kMax - 1, kMax, proof, h));
    EXPECT_FALSE(VerifyMerkleInclusion(h, 0, kMax, proof, h));
    EXPECT_FALSE(VerifyMerkleInclusion(h, kMax, kMax, proof, h));
    EXPECT_FALSE(VerifyMerkleConsistency(1, kMax, h, h, proof));
    EXPECT_FALSE(VerifyMerkleConsistency(kMax - 1, kMax, h, h, proof));
    EXPECT_FALSE(VerifyMerkleConsistency(kMax, 1, h, h, proof));
    EXPECT_FALSE(VerifyMerkleConsistency(uint64_t{1} << 63, kMax, h, h, proof));
  }
}

TEST(MerkleTest, FrontierReportsEveryClosedSubtree) {
  const std::vector<Bytes> leaves = Leaves(100);
  MerkleFrontier frontier;
  uint64_t closed_count = 0;
  for (uint64_t i = 0; i < leaves.size(); ++i) {
    for (const auto& closed : frontier.Append(MerkleLeafHash(leaves[i]))) {
      ASSERT_GE(closed.level, 1u);
      const uint64_t width = uint64_t{1} << closed.level;
      const uint64_t begin = closed.index * width;
      // The subtree just closed is the one ending at the new leaf.
      EXPECT_EQ(begin + width, i + 1);
      EXPECT_EQ(closed.hash, ReferenceRoot(std::span(leaves).subspan(begin, width)));
      ++closed_count;
    }
  }
  // Every aligned complete subtree of level >= 1 inside 100 leaves: 50 + 25 + 12 + 6 + 3 + 1.
  EXPECT_EQ(closed_count, 97u);
}

TEST(MerkleTest, SubtreeCacheGivesSameProofsWithFewerReads) {
  const CountingSource plain(64);
  const CachedSource cached(64);
  for (uint64_t n = 1; n <= 64; ++n) {
    EXPECT_EQ(MerkleRoot(n, cached), MerkleRoot(n, plain));
    for (uint64_t i = 0; i < n; ++i) {
      EXPECT_EQ(MerkleInclusionProof(i, n, cached), MerkleInclusionProof(i, n, plain));
    }
    for (uint64_t m = 0; m <= n; ++m) {
      EXPECT_EQ(MerkleConsistencyProof(m, n, cached), MerkleConsistencyProof(m, n, plain));
    }
  }
  EXPECT_GT(cached.subtree_calls, 0u);
  EXPECT_LT(cached.leaf_calls * 4, plain.leaf_calls);
}

TEST(MerkleTest, CachedProofsTakeLogarithmicLookups) {
  constexpr uint64_t kSize = 1000;
  const CachedSource source(kSize);
  // Each proof has at most one entry over an incomplete range; every other entry is one
  // complete subtree, i.e. one lookup. Both parts are bounded by the tree height.
  const uint64_t bound = 2 * std::bit_width(kSize) + 2;
  for (uint64_t i = 0; i < kSize; i += 7) {
    const uint64_t before = source.calls();
    MerkleInclusionProof(i, kSize, source);
    EXPECT_LE(source.calls() - before, bound) << "inclusion of " << i;
  }
  for (uint64_t m = 1; m < kSize; m += 7) {
    const uint64_t before = source.calls();
    MerkleConsistencyProof(m, kSize, source);
    EXPECT_LE(source.calls() - before, bound) << "consistency from " << m;
  }
  const uint64_t before = source.calls();
  EXPECT_EQ(MerkleRoot(kSize, source), source.frontier.Root());
  EXPECT_LE(source.calls() - before, bound);
}

TEST(MerkleTest, FrontierSerializationRoundTrips) {
  const CountingSource source(70);
  MerkleFrontier frontier;
  for (uint64_t n = 0; n <= 70; ++n) {
    const Bytes bytes = frontier.Serialize();
    ASSERT_EQ(bytes.size(), 8 + 32 * static_cast<size_t>(std::popcount(n)));
    EXPECT_EQ(DecodeBigEndian64(bytes.data()), n);

    MerkleFrontier copy = MerkleFrontier::Deserialize(bytes);
    EXPECT_EQ(copy.size(), n);
    EXPECT_EQ(copy.Root(), frontier.Root());
    EXPECT_EQ(copy.Serialize(), bytes);
    // The restored frontier keeps growing exactly like the original.
    if (n < 70) {
      copy.Append(source.leaf_hash(n));
      frontier.Append(source.leaf_hash(n));
      EXPECT_EQ(copy.Root(), frontier.Root());
      EXPECT_EQ(copy.Root(), MerkleRoot(n + 1, source));
    }
  }
}

TEST(MerkleTest, FrontierDeserializeRejectsWrongLength) {
  const CountingSource source(7);
  MerkleFrontier frontier;
  for (uint64_t i = 0; i < 7; ++i) frontier.Append(source.leaf_hash(i));
  Bytes bytes = frontier.Serialize();
  ASSERT_EQ(bytes.size(), 8u + 3 * 32);
  for (size_t len = 0; len < bytes.size(); ++len) {
    ExpectBadFrontier(ByteView(bytes).first(len));
  }
  bytes.push_back(0);
  ExpectBadFrontier(bytes);

  Bytes huge(8);
  EncodeBigEndian64(huge.data(), std::numeric_limits<uint64_t>::max());
  ExpectBadFrontier(huge);
}

}  // namespace
}  // namespace bangban
