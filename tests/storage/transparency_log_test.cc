#include "storage/transparency_log.h"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "crypto/coding.h"
#include "crypto/error.h"
#include "protocol/clock.h"
#include "protocol/codec.h"
#include "storage/feed_store.h"
#include "storage/receipt_log_index.h"

namespace bangban {
namespace {

namespace fs = std::filesystem;

SigningKey KeyFrom(uint8_t fill) { return SigningKey::FromSeed(Bytes(32, fill)); }

RecordId IdOf(uint64_t i) { return Blake2b256(AsBytes("record-" + std::to_string(i))); }
Bytes IdBytes(uint64_t i) {
  const RecordId id = IdOf(i);
  return Bytes(id.begin(), id.end());
}
int64_t TimeOf(uint64_t i) { return 1'772'413'200'000 + static_cast<int64_t>(i) * 37; }

Bytes BigEndian(uint64_t value) {
  Bytes out(8);
  EncodeBigEndian64(out.data(), value);
  return out;
}

// The oracle: RFC 9162 MTH written as naively as possible over the raw leaf bytes, sharing
// nothing with the code under test but Blake2b256.
Hash32 ReferenceRoot(std::span<const Bytes> leaves) {
  Bytes buffer;
  if (leaves.empty()) return Blake2b256(ByteView{});
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

bool AnyContains(const std::vector<std::string>& problems, std::string_view needle) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.find(needle) != std::string::npos; });
}

std::string Joined(const std::vector<std::string>& problems) {
  std::string out;
  for (const std::string& p : problems) out += p + "\n";
  return out;
}

template <typename F>
void ExpectErrorCode(F&& f, std::string_view code) {
  try {
    f();
    ADD_FAILURE() << "expected Error(\"" << code << "\")";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
  }
}

class LogTempDir {
 public:
  LogTempDir() {
    std::string pattern = (fs::temp_directory_path() / "bangban-tlog-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~LogTempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  LogTempDir(const LogTempDir&) = delete;
  LogTempDir& operator=(const LogTempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Batch sizes summing to 1000; a head is signed after each batch.
const std::vector<uint64_t> kBatches = {1, 1, 2, 4, 8, 15, 33, 64, 100, 128, 144, 500};

class TransparencyLogTest : public testing::Test {
 protected:
  void AppendRange(uint64_t from, uint64_t to) {
    env_->Write([&](LmdbTxn& txn) {
      for (uint64_t i = from; i < to; ++i) log_->Append(txn, IdOf(i), TimeOf(i));
    });
    for (uint64_t i = from; i < to; ++i) leaves_.push_back(LogLeafBytes(IdOf(i), TimeOf(i)));
  }

  // Appends 1000 leaves in kBatches and signs a head after each batch.
  void BuildLog() {
    for (uint64_t batch : kBatches) {
      const uint64_t from = leaves_.size();
      AppendRange(from, from + batch);
      heads_.push_back(log_->SignHead(hub_, TimeOf(from + batch)));
    }
  }

  template <typename F>
  void Read(F&& f) const {
    env_->Read([&](LmdbTxn& txn) { f(txn); });
  }

  void RawPut(const std::string& db, const Bytes& key, const Bytes& value) {
    const MDB_dbi dbi = env_->OpenDb(db);
    env_->Write([&](LmdbTxn& txn) { txn.Put(dbi, key, value); });
  }

  std::vector<std::string> Audit(const PublicKey& hub) const {
    std::vector<std::string> problems;
    Read([&](LmdbTxn& txn) { problems = log_->Audit(txn, hub); });
    return problems;
  }

  Receipt ProveOrFail(const RecordId& id) const {
    std::optional<Receipt> receipt;
    Read([&](LmdbTxn& txn) { receipt = log_->Prove(txn, id); });
    if (!receipt) throw std::runtime_error("no receipt for " + ToHex(id));
    return *receipt;
  }

  // The stored head of the smallest size > index.
  const TreeHead& CoveringHead(uint64_t index) const {
    for (const TreeHead& head : heads_) {
      if (head.size > index) return head;
    }
    throw std::runtime_error("no head covers leaf " + std::to_string(index));
  }

  LogTempDir dir_;
  std::unique_ptr<LmdbEnv> env_ = std::make_unique<LmdbEnv>(dir_.path());
  std::unique_ptr<TransparencyLog> log_ = std::make_unique<TransparencyLog>(*env_);
  const SigningKey hub_ = KeyFrom(0x11);
  const SigningKey other_ = KeyFrom(0x22);
  std::vector<Bytes> leaves_;
  std::vector<TreeHead> heads_;
};

// ---- TreeHead ----------------------------------------------------------------------------

TEST(TreeHead, SignedHeadVerifiesAndRoundTripsThroughEncodeAndJson) {
  const SigningKey hub = KeyFrom(1);
  const TreeHead head = TreeHead::Sign(hub, 1234, Blake2b256(AsBytes("root")), -5);
  EXPECT_EQ(head.hub, hub.public_key());
  EXPECT_TRUE(head.Verify());
  EXPECT_TRUE(head.Verify(hub.public_key()));
  EXPECT_FALSE(head.Verify(KeyFrom(2).public_key()));

  const TreeHead decoded = TreeHead::Decode(head.Encode());
  EXPECT_EQ(decoded, head);
  EXPECT_TRUE(decoded.Verify());
  const TreeHead from_text = TreeHead::FromJson(Json::parse(head.ToJson().dump()));
  EXPECT_EQ(from_text, head);
  EXPECT_EQ(head.ToJson()["root"], ToHex(head.root));
  EXPECT_EQ(head.ToJson()["size"], 1234);
}

TEST(TreeHead, SignedBytesAreTheDocumentedArrayAndEncodeAppendsTheSignature) {
  const SigningKey hub = KeyFrom(1);
  const Hash32 root = Blake2b256(AsBytes("r"));
  const TreeHead head = TreeHead::Sign(hub, 7, root, 1'772'413'200'000);
  const Json expected = Json::array({1, Json::binary(Bytes(hub.public_key().begin(), hub.public_key().end())), 7,
                                     Json::binary(Bytes(root.begin(), root.end())), 1'772'413'200'000});
  EXPECT_EQ(head.SignedBytes(), EncodeJson(expected));
  Json encoded = expected;
  encoded.push_back(Json::binary(Bytes(head.signature.begin(), head.signature.end())));
  EXPECT_EQ(head.Encode(), EncodeJson(encoded));
  // The signature covers the domain-prefixed signed bytes, so it is not a record signature.
  EXPECT_TRUE(Verify(hub.public_key(), kTreeHeadDomain, head.SignedBytes(), head.signature));
  EXPECT_FALSE(Verify(hub.public_key(), kRecordDomain, head.SignedBytes(), head.signature));
}

TEST(TreeHead, AnyChangedFieldBreaksTheSignature) {
  const TreeHead head = TreeHead::Sign(KeyFrom(1), 10, Blake2b256(AsBytes("r")), 99);
  std::vector<std::function<void(TreeHead&)>> changes = {
      [](TreeHead& h) { h.hub[0] ^= 1; },       [](TreeHead& h) { h.size += 1; },
      [](TreeHead& h) { h.root[31] ^= 1; },     [](TreeHead& h) { h.timestamp_ms += 1; },
      [](TreeHead& h) { h.signature[5] ^= 1; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    TreeHead changed = head;
    changes[i](changed);
    EXPECT_FALSE(changed.Verify()) << "change " << i;
  }
}

TEST(TreeHead, DecodeRefusesMalformedInput) {
  const TreeHead head = TreeHead::Sign(KeyFrom(1), 3, Blake2b256(AsBytes("r")), 5);
  const Bytes good = head.Encode();
  const Json array = [&] {
    auto handle = UnpackExactly(good, "test");
    return ObjectToJson(handle.get(), "");
  }();
  auto with = [&](size_t i, Json value) {
    Json changed = array;
    changed[i] = std::move(value);
    return EncodeJson(changed);
  };
  Bytes trailing = good;
  trailing.push_back(0);
  Bytes truncated(good.begin(), good.end() - 1);
  Json five = array;
  five.erase(5);
  const std::vector<Bytes> bad = {
      {},
      trailing,
      truncated,
      EncodeJson(five),
      EncodeJson(Json{{"size", 3}}),
      with(0, 2),                           // unknown version
      with(1, Json::binary(Bytes(31, 1))),  // short hub
      with(2, -1),                          // negative size
      with(2, "3"),                         // size as text
      with(3, Json::binary(Bytes(33, 1))),  // long root
      with(4, "5"),                         // timestamp as text
      with(5, Json::binary(Bytes(63, 1))),  // short signature
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE("case " + std::to_string(i));
    ExpectErrorCode([&] { TreeHead::Decode(bad[i]); }, "malformed");
  }
}

TEST(TreeHead, FromJsonRefusesBadFieldsNamingThem) {
  const Json good = TreeHead::Sign(KeyFrom(1), 3, Blake2b256(AsBytes("r")), 5).ToJson();
  struct Case {
    std::string field;
    Json value;  // null: remove the field
  };
  const std::vector<Case> cases = {
      {"hub", nullptr},
      {"hub", "abcd"},
      {"root", std::string(64, 'g')},
      {"size", -1},
      {"size", "3"},
      {"timestamp_ms", 1.5},
      {"signature", 12},
      {"timestamp_ms", 18446744073709551615ull},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field + " = " + c.value.dump());
    Json changed = good;
    if (c.value.is_null()) {
      changed.erase(c.field);
    } else {
      changed[c.field] = c.value;
    }
    try {
      TreeHead::FromJson(changed);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "malformed");
      EXPECT_NE(std::string(e.what()).find(c.field), std::string::npos) << e.what();
    }
  }
  ExpectErrorCode([] { TreeHead::FromJson(Json::array()); }, "malformed");
}

// ---- the log ------------------------------------------------------------------------------

TEST_F(TransparencyLogTest, EmptyLogHasTheEmptyRootAndNoHeadsOrReceipts) {
  Read([&](LmdbTxn& txn) {
    EXPECT_EQ(log_->Size(txn), 0u);
    EXPECT_EQ(log_->Root(txn), MerkleEmptyRoot());
    EXPECT_FALSE(log_->LatestHead(txn).has_value());
    EXPECT_FALSE(log_->Prove(txn, IdOf(0)).has_value());
    EXPECT_FALSE(log_->Find(txn, IdOf(0)).has_value());
  });
  const TreeHead head = log_->SignHead(hub_, 1000);
  EXPECT_EQ(head.size, 0u);
  EXPECT_EQ(head.root, MerkleEmptyRoot());
  EXPECT_TRUE(head.Verify(hub_.public_key()));
  EXPECT_TRUE(Audit(hub_.public_key()).empty());
}

TEST_F(TransparencyLogTest, RootEqualsNaiveRecomputationAtEverySize) {
  // 1000 leaves in transactions of growing size; the root is checked after every append.
  uint64_t next = 0;
  for (uint64_t batch : kBatches) {
    env_->Write([&](LmdbTxn& txn) {
      for (uint64_t i = next; i < next + batch; ++i) {
        EXPECT_EQ(log_->Append(txn, IdOf(i), TimeOf(i)), i);
        leaves_.push_back(LogLeafBytes(IdOf(i), TimeOf(i)));
        ASSERT_EQ(log_->Size(txn), i + 1);
        ASSERT_EQ(log_->Root(txn), ReferenceRoot(leaves_)) << "size " << i + 1;
      }
    });
    next += batch;
  }
  Read([&](LmdbTxn& txn) {
    EXPECT_EQ(log_->Size(txn), 1000u);
    EXPECT_EQ(log_->Root(txn), ReferenceRoot(leaves_));
  });
}

TEST_F(TransparencyLogTest, LeafBytesAreIdThenBigEndianReceiptTime) {
  const Bytes leaf = LogLeafBytes(IdOf(1), 0x0102030405060708);
  ASSERT_EQ(leaf.size(), 40u);
  EXPECT_TRUE(Bytes(leaf.begin(), leaf.begin() + 32) == IdBytes(1));
  EXPECT_EQ(Bytes(leaf.begin() + 32, leaf.end()), Bytes({1, 2, 3, 4, 5, 6, 7, 8}));
  AppendRange(0, 3);
  Read([&](LmdbTxn& txn) {
    auto entry = log_->Find(txn, IdOf(2));
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->index, 2u);
    EXPECT_EQ(entry->id, IdOf(2));
    EXPECT_EQ(entry->received_ms, TimeOf(2));
    auto stored = txn.Get(env_->OpenDb("log_leaves"), BigEndian(2));
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(Bytes(stored->begin(), stored->end()), LogLeafBytes(IdOf(2), TimeOf(2)));
  });
}

TEST_F(TransparencyLogTest, EveryRecordHasAReceiptThatVerifiesAndRoundTripsThroughJson) {
  BuildLog();
  for (uint64_t i = 0; i < 1000; ++i) {
    SCOPED_TRACE("leaf " + std::to_string(i));
    const Receipt receipt = ProveOrFail(IdOf(i));
    EXPECT_EQ(receipt.index, i);
    EXPECT_EQ(receipt.id, IdOf(i));
    EXPECT_EQ(receipt.received_ms, TimeOf(i));
    EXPECT_EQ(receipt.head, CoveringHead(i));
    ASSERT_TRUE(receipt.Verify());
    EXPECT_TRUE(receipt.Verify(hub_.public_key()));
    const Receipt parsed = Receipt::FromJson(Json::parse(receipt.ToJson().dump()));
    EXPECT_EQ(parsed, receipt);
    EXPECT_TRUE(parsed.Verify(hub_.public_key()));
  }
}

TEST_F(TransparencyLogTest, ReceiptWithAnyChangedByteFails) {
  BuildLog();
  const std::vector<std::function<void(Receipt&)>> changes = {
      [](Receipt& r) { r.id[0] ^= 1; },
      [](Receipt& r) { r.id[31] ^= 0x80; },
      [](Receipt& r) { r.received_ms += 1; },
      [](Receipt& r) { r.received_ms ^= int64_t{1} << 62; },
      [](Receipt& r) { r.index += 1; },
      [](Receipt& r) { r.head.root[0] ^= 1; },
      [](Receipt& r) { r.head.signature[63] ^= 1; },
      [](Receipt& r) { r.head.size += 1; },
      [](Receipt& r) { r.head.size -= 1; },
      [](Receipt& r) { r.head.timestamp_ms += 1; },
      [](Receipt& r) { r.head.hub[7] ^= 1; },
  };
  for (uint64_t i : {0, 1, 2, 5, 127, 499, 500, 998, 999}) {
    const Receipt good = ProveOrFail(IdOf(i));
    ASSERT_TRUE(good.Verify());
    for (size_t c = 0; c < changes.size(); ++c) {
      Receipt bad = good;
      changes[c](bad);
      EXPECT_FALSE(bad.Verify()) << "leaf " << i << ", change " << c;
    }
    for (size_t p = 0; p < good.path.size(); ++p) {
      for (size_t byte : {size_t{0}, size_t{31}}) {
        Receipt bad = good;
        bad.path[p][byte] ^= 1;
        EXPECT_FALSE(bad.Verify()) << "leaf " << i << ", path entry " << p;
      }
    }
    if (!good.path.empty()) {
      Receipt shorter = good;
      shorter.path.pop_back();
      EXPECT_FALSE(shorter.Verify()) << "leaf " << i;
    }
    Receipt longer = good;
    longer.path.push_back(good.head.root);
    EXPECT_FALSE(longer.Verify()) << "leaf " << i;
  }
}

TEST_F(TransparencyLogTest, ReceiptSignedByAnotherKeyFails) {
  BuildLog();
  const Receipt good = ProveOrFail(IdOf(321));
  // Another key's signature over the same head, still naming this hub.
  Receipt forged = good;
  forged.head.signature = other_.Sign(kTreeHeadDomain, good.head.SignedBytes());
  EXPECT_FALSE(forged.Verify());
  EXPECT_FALSE(forged.Verify(hub_.public_key()));
  // A head fully re-signed by another key is self-consistent, but not this hub's.
  Receipt resigned = good;
  resigned.head = TreeHead::Sign(other_, good.head.size, good.head.root, good.head.timestamp_ms);
  EXPECT_TRUE(resigned.Verify());
  EXPECT_FALSE(resigned.Verify(hub_.public_key()));
  // The right key signing a root that is not the tree's: the inclusion check fails.
  Receipt wrong_root = good;
  Hash32 root = good.head.root;
  root[3] ^= 1;
  wrong_root.head = TreeHead::Sign(hub_, good.head.size, root, good.head.timestamp_ms);
  EXPECT_TRUE(wrong_root.head.Verify());
  EXPECT_FALSE(wrong_root.Verify(hub_.public_key()));
}

TEST_F(TransparencyLogTest, ReceiptFromJsonRefusesBadInput) {
  BuildLog();
  const Json good = ProveOrFail(IdOf(600)).ToJson();
  auto refused = [&](const std::function<void(Json&)>& change, std::string_view needle) {
    Json changed = good;
    change(changed);
    try {
      Receipt::FromJson(changed);
      ADD_FAILURE() << "accepted " << changed.dump();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "malformed");
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  refused([](Json& j) { j.erase("id"); }, "id");
  refused([](Json& j) { j["id"] = "00"; }, "id");
  refused([](Json& j) { j["index"] = -3; }, "index");
  refused([](Json& j) { j["received_ms"] = "soon"; }, "received_ms");
  refused([](Json& j) { j["path"] = "x"; }, "path");
  refused([](Json& j) { j["path"][0] = "zz"; }, "path[0]");
  refused([](Json& j) { j["path"] = Json(std::vector<std::string>(65, std::string(64, '0'))); }, "path");
  refused([](Json& j) { j["head"].erase("signature"); }, "signature");
  refused([](Json& j) { j = Json::array(); }, "receipt");
}

TEST_F(TransparencyLogTest, AppendingTheSameIdAgainIsIdempotent) {
  AppendRange(0, 10);
  Hash32 root;
  Read([&](LmdbTxn& txn) { root = log_->Root(txn); });
  env_->Write([&](LmdbTxn& txn) {
    EXPECT_EQ(log_->Append(txn, IdOf(3), TimeOf(3) + 5000), 3u);
    EXPECT_EQ(log_->Append(txn, IdOf(10), TimeOf(10)), 10u);
    EXPECT_EQ(log_->Append(txn, IdOf(10), TimeOf(10) + 1), 10u);  // twice in one transaction
  });
  leaves_.push_back(LogLeafBytes(IdOf(10), TimeOf(10)));
  Read([&](LmdbTxn& txn) {
    EXPECT_EQ(log_->Size(txn), 11u);
    EXPECT_NE(log_->Root(txn), root);
    EXPECT_EQ(log_->Root(txn), ReferenceRoot(leaves_));
    EXPECT_EQ(log_->Find(txn, IdOf(3))->received_ms, TimeOf(3));  // the first time is kept
    EXPECT_EQ(log_->Find(txn, IdOf(10))->received_ms, TimeOf(10));
  });
  EXPECT_TRUE(Audit(hub_.public_key()).empty());
}

TEST_F(TransparencyLogTest, ConsistencyProofsBetweenStoredHeadsVerify) {
  BuildLog();
  for (const TreeHead& older : heads_) {
    for (const TreeHead& newer : heads_) {
      if (older.size > newer.size) continue;
      SCOPED_TRACE(std::to_string(older.size) + " -> " + std::to_string(newer.size));
      std::vector<Hash32> proof;
      Read([&](LmdbTxn& txn) { proof = log_->ProveConsistency(txn, older.size, newer.size); });
      EXPECT_TRUE(VerifyMerkleConsistency(older.size, newer.size, older.root, newer.root, proof));
      if (!proof.empty()) {
        proof.front()[0] ^= 1;
        EXPECT_FALSE(VerifyMerkleConsistency(older.size, newer.size, older.root, newer.root, proof));
      }
      if (older.size != newer.size) {
        Hash32 other_root = older.root;
        other_root[0] ^= 1;
        proof.clear();
        Read([&](LmdbTxn& txn) { proof = log_->ProveConsistency(txn, older.size, newer.size); });
        EXPECT_FALSE(VerifyMerkleConsistency(older.size, newer.size, other_root, newer.root, proof));
      }
    }
  }
  Read([&](LmdbTxn& txn) {
    ExpectErrorCode([&] { log_->ProveConsistency(txn, 500, 128); }, "bad_proof_request");
    ExpectErrorCode([&] { log_->ProveConsistency(txn, 500, 1001); }, "bad_proof_request");
  });
}

TEST_F(TransparencyLogTest, ProvesAgainstAGivenHeadAndRefusesHeadsThatCannot) {
  BuildLog();
  const TreeHead latest = heads_.back();
  Read([&](LmdbTxn& txn) {
    auto receipt = log_->Prove(txn, IdOf(3), latest);
    ASSERT_TRUE(receipt.has_value());
    EXPECT_EQ(receipt->head, latest);
    EXPECT_TRUE(receipt->Verify(hub_.public_key()));
    EXPECT_FALSE(log_->Prove(txn, IdOf(5000), latest).has_value());  // not logged
    const TreeHead half = *log_->HeadAt(txn, 500);
    ExpectErrorCode([&] { log_->Prove(txn, IdOf(500), half); }, "bad_proof_request");
    const TreeHead beyond = TreeHead::Sign(hub_, 1001, latest.root, latest.timestamp_ms);
    ExpectErrorCode([&] { log_->Prove(txn, IdOf(1), beyond); }, "bad_proof_request");
    Hash32 root = latest.root;
    root[0] ^= 1;
    const TreeHead foreign = TreeHead::Sign(hub_, 1000, root, latest.timestamp_ms);
    ExpectErrorCode([&] { log_->Prove(txn, IdOf(1), foreign); }, "bad_proof_request");
  });
  // Leaves appended after the last head have no receipt until the next head is signed.
  AppendRange(1000, 1003);
  Read([&](LmdbTxn& txn) {
    EXPECT_TRUE(log_->Find(txn, IdOf(1001)).has_value());
    EXPECT_FALSE(log_->Prove(txn, IdOf(1001)).has_value());
  });
  const TreeHead next = log_->SignHead(hub_, TimeOf(1003));
  EXPECT_EQ(next.size, 1003u);
  EXPECT_EQ(ProveOrFail(IdOf(1001)).head, next);
  EXPECT_TRUE(ProveOrFail(IdOf(1001)).Verify(hub_.public_key()));
}

TEST_F(TransparencyLogTest, OneHeadPerSizeAndHeadTimesNeverGoBackwards) {
  AppendRange(0, 5);
  const TreeHead first = log_->SignHead(hub_, 2000);
  EXPECT_EQ(log_->SignHead(hub_, 3000), first);  // same size: the stored head, unchanged
  AppendRange(5, 6);
  const TreeHead second = log_->SignHead(hub_, 1500);  // the clock went backwards
  EXPECT_EQ(second.size, 6u);
  EXPECT_EQ(second.timestamp_ms, 2000);
  EXPECT_TRUE(second.Verify(hub_.public_key()));
  Read([&](LmdbTxn& txn) {
    EXPECT_EQ(log_->LatestHead(txn), second);
    EXPECT_EQ(log_->HeadAt(txn, 5), first);
    EXPECT_EQ(log_->HeadAt(txn, 6), second);
    EXPECT_FALSE(log_->HeadAt(txn, 4).has_value());
  });
  // Signing inside the caller's transaction commits with it, and aborts with it.
  try {
    env_->Write([&](LmdbTxn& txn) {
      log_->Append(txn, IdOf(6), TimeOf(6));
      log_->SignHead(txn, hub_, 4000);
      throw std::runtime_error("abort");
    });
  } catch (const std::runtime_error&) {
  }
  Read([&](LmdbTxn& txn) {
    EXPECT_EQ(log_->Size(txn), 6u);
    EXPECT_EQ(log_->LatestHead(txn), second);
  });
  EXPECT_TRUE(Audit(hub_.public_key()).empty());
}

TEST_F(TransparencyLogTest, StateSurvivesReopeningTheEnvironment) {
  BuildLog();
  Hash32 root;
  Read([&](LmdbTxn& txn) { root = log_->Root(txn); });
  log_.reset();
  env_.reset();
  env_ = std::make_unique<LmdbEnv>(dir_.path());
  log_ = std::make_unique<TransparencyLog>(*env_);
  Read([&](LmdbTxn& txn) {
    EXPECT_EQ(log_->Size(txn), 1000u);
    EXPECT_EQ(log_->Root(txn), root);
    EXPECT_EQ(log_->LatestHead(txn), heads_.back());
  });
  AppendRange(1000, 1010);
  heads_.push_back(log_->SignHead(hub_, TimeOf(1010)));
  EXPECT_EQ(heads_.back().root, ReferenceRoot(leaves_));
  EXPECT_TRUE(ProveOrFail(IdOf(1005)).Verify(hub_.public_key()));
  EXPECT_TRUE(ProveOrFail(IdOf(17)).Verify(hub_.public_key()));
  EXPECT_TRUE(Audit(hub_.public_key()).empty());
}

// ---- audit --------------------------------------------------------------------------------

TEST_F(TransparencyLogTest, AuditOfAGoodLogIsEmpty) {
  BuildLog();
  const auto problems = Audit(hub_.public_key());
  EXPECT_TRUE(problems.empty()) << Joined(problems);
}

TEST_F(TransparencyLogTest, AuditNamesAnOverwrittenLeaf) {
  BuildLog();
  RawPut("log_leaves", BigEndian(5), LogLeafBytes(IdOf(5), TimeOf(5) + 60'000));
  const auto problems = Audit(hub_.public_key());
  EXPECT_TRUE(AnyContains(problems, "tree head at size 8 has root")) << Joined(problems);
  EXPECT_TRUE(AnyContains(problems, "tree head at size 1000 has root")) << Joined(problems);
  EXPECT_FALSE(AnyContains(problems, "tree head at size 4 ")) << Joined(problems);
  EXPECT_TRUE(AnyContains(problems, "stored subtree (level 1, index 2)")) << Joined(problems);
  EXPECT_TRUE(AnyContains(problems, "stored frontier")) << Joined(problems);
}

TEST_F(TransparencyLogTest, AuditNamesAnAlteredHeadSignature) {
  BuildLog();
  TreeHead head = heads_[10];
  ASSERT_EQ(head.size, 500u);
  head.signature[10] ^= 1;
  RawPut("log_heads", BigEndian(500), head.Encode());
  const auto problems = Audit(hub_.public_key());
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_EQ(problems[0], "tree head stored at size 500 has a signature that does not verify");
}

TEST_F(TransparencyLogTest, AuditNamesHeadsOfAnotherHubAndHeadsOutOfTimeOrder) {
  BuildLog();
  auto problems = Audit(other_.public_key());
  EXPECT_EQ(problems.size(), heads_.size()) << Joined(problems);
  EXPECT_TRUE(AnyContains(problems, "tree head stored at size 128 is signed by key " + KeyId(hub_.public_key())));
  // A validly signed head with the right root but an earlier time than the head before it.
  const TreeHead late = heads_.back();
  RawPut("log_heads", BigEndian(1000), TreeHead::Sign(hub_, late.size, late.root, 0).Encode());
  problems = Audit(hub_.public_key());
  ASSERT_EQ(problems.size(), 1u) << Joined(problems);
  EXPECT_TRUE(AnyContains(problems, "size 1000 is timestamped 0, earlier than")) << Joined(problems);
}

TEST_F(TransparencyLogTest, AuditNamesAnIndexThatDisagreesWithTheLeaves) {
  BuildLog();
  RawPut("log_index", IdBytes(3), BigEndian(4));
  const auto problems = Audit(hub_.public_key());
  EXPECT_TRUE(AnyContains(problems, "log leaf 3: log_index maps its record " + ToHex(IdOf(3)) + " to 4"))
      << Joined(problems);
  EXPECT_TRUE(AnyContains(
      problems, "log_index entry of record " + ToHex(IdOf(3)) + " points to leaf 4, which holds another record"))
      << Joined(problems);
  // An entry for a record that is not in the log at all.
  RawPut("log_index", IdBytes(3), BigEndian(3));
  RawPut("log_index", IdBytes(7777), BigEndian(2000));
  const auto extra = Audit(hub_.public_key());
  ASSERT_EQ(extra.size(), 1u) << Joined(extra);
  EXPECT_TRUE(AnyContains(extra, "points to leaf 2000, beyond the log's 1000 leaves"));
}

TEST_F(TransparencyLogTest, AuditNamesAMissingLeafAndCapsItsList) {
  BuildLog();
  const MDB_dbi leaves = env_->OpenDb("log_leaves");
  env_->Write([&](LmdbTxn& txn) { ASSERT_TRUE(txn.Del(leaves, BigEndian(600))); });
  const auto problems = Audit(hub_.public_key());
  EXPECT_TRUE(AnyContains(problems, "log_leaves holds key 601 where leaf 600 belongs")) << Joined(problems);
  EXPECT_TRUE(AnyContains(problems, "tree head at size 1000 is beyond the 600 leaves")) << Joined(problems);
  // Every index entry past the gap now points beyond the log: 400 problems, reported as the
  // first 100 and a count of the rest.
  ASSERT_EQ(problems.size(), 101u);
  EXPECT_EQ(problems.back(), "... and 303 more transparency log problems");
}

// ---- with the feed store ------------------------------------------------------------------

TEST(TransparencyLogFeedStore, EveryStoredRecordHasAReceiptWithItsReceiptTime) {
  LogTempDir dir;
  const SigningKey hub = KeyFrom(0x31);
  const SigningKey outlet = KeyFrom(0x32);
  FeedStore::Options options;
  options.require_enrollment = false;
  FeedStore store(dir.path(), options);
  TransparencyLog log(store.env());
  store.AddObserver(
      [&](LmdbTxn& txn, const Record& record, int64_t received_ms) { log.Append(txn, record.id(), received_ms); });

  auto rating = [](int i) {
    return std::pair<std::string, Json>{"feedback.rating",
                                        Json{{"app_id", "A-" + std::to_string(i)}, {"score", 1 + i % 5}}};
  };
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<std::pair<std::string, Json>> entries;
    for (int i = 0; i < 7; ++i) entries.push_back(rating(batch * 10 + i));
    ASSERT_EQ(store.AppendOwn(hub, entries).size(), 7u);
    log.SignHead(hub, NowMs());
  }
  // Records from an outlet, ingested as a hub receives them (one of them twice).
  std::vector<Record> foreign;
  std::optional<RecordId> prev;
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    foreign.push_back(Record::Create(outlet, "feedback.rating", seq, prev, NowMs(),
                                     Json{{"app_id", "B-" + std::to_string(seq)}, {"score", 4}}));
    prev = foreign.back().id();
  }
  foreign.push_back(foreign[2]);
  const auto outcomes = store.Ingest(foreign);
  ASSERT_EQ(outcomes.size(), 6u);
  EXPECT_EQ(outcomes[5].kind, IngestOutcome::Kind::kDuplicate);
  const TreeHead head = log.SignHead(hub, NowMs());
  EXPECT_EQ(head.size, 26u);

  uint64_t records = 0;
  store.ScanAll([&](const Record& record) {
    ++records;
    std::optional<Receipt> receipt;
    store.env().Read([&](LmdbTxn& txn) { receipt = log.Prove(txn, record.id()); });
    EXPECT_TRUE(receipt.has_value()) << ToHex(record.id());
    if (!receipt) return true;
    EXPECT_TRUE(receipt->Verify(hub.public_key()));
    EXPECT_EQ(receipt->received_ms, store.ReceivedAt(record.id()));
    EXPECT_LE(receipt->head.size, head.size);
    return true;
  });
  EXPECT_EQ(records, 26u);
  EXPECT_EQ(store.RecordCount(), 26u);
  store.env().Read([&](LmdbTxn& txn) {
    EXPECT_EQ(log.Size(txn), 26u);
    EXPECT_TRUE(log.Audit(txn, hub.public_key()).empty());
  });
}

// A hub's log keeps its index by id in the store's receipt entries (ReceiptLogIndex): records
// logged so have no log_index entry, are found and proved the same, and the audit checks the
// noted index; a record logged in log_index before (the earlier layout) is still found.
TEST(TransparencyLogFeedStore, TheIndexInTheReceiptsFindsEveryLeafAndTheAuditChecksIt) {
  LogTempDir dir;
  const SigningKey hub = KeyFrom(0x41);
  FeedStore::Options options;
  options.require_enrollment = false;
  auto rating = [](int i) {
    return std::pair<std::string, Json>{"feedback.rating",
                                        Json{{"app_id", "C-" + std::to_string(i)}, {"score", 1 + i % 5}}};
  };
  RecordId earlier{};
  {
    // The earlier layout: the log's own index.
    FeedStore store(dir.path(), options);
    TransparencyLog log(store.env());
    store.AddObserver(
        [&](LmdbTxn& txn, const Record& record, int64_t received_ms) { log.Append(txn, record.id(), received_ms); });
    earlier = store.AppendOwn(hub, {rating(0)}).at(0).id();
  }
  FeedStore store(dir.path(), options);
  ReceiptLogIndex index(store);
  TransparencyLog log(store.env(), &index);
  store.AddObserver(
      [&](LmdbTxn& txn, const Record& record, int64_t received_ms) { log.Append(txn, record.id(), received_ms); });
  std::vector<Record> records = store.AppendOwn(hub, {rating(1), rating(2), rating(3)});
  const TreeHead head = log.SignHead(hub, NowMs());
  ASSERT_EQ(head.size, 4u);

  const MDB_dbi log_index = store.env().OpenDb("log_index");
  store.env().Read([&](LmdbTxn& txn) {
    MDB_stat stat;
    mdb_stat(txn.raw(), log_index, &stat);
    EXPECT_EQ(stat.ms_entries, 1u);  // the earlier record's only
    EXPECT_EQ(store.LogIndexOf(txn, records[2].id()), 3u);
    EXPECT_EQ(store.LogIndexOf(txn, earlier), std::nullopt);
    for (const RecordId& id : {earlier, records[0].id(), records[2].id()}) {
      std::optional<Receipt> receipt = log.Prove(txn, id);
      ASSERT_TRUE(receipt.has_value()) << ToHex(id);
      EXPECT_TRUE(receipt->Verify(hub.public_key()));
      EXPECT_EQ(receipt->received_ms, store.ReceivedAt(id));
    }
    EXPECT_EQ(log.Find(txn, records[1].id())->index, 2u);
    EXPECT_TRUE(log.Audit(txn, hub.public_key()).empty());
  });
  // Opened without the index, the log refuses to look rather than answer "not logged".
  TransparencyLog bare(store.env());
  store.env().Read([&](LmdbTxn& txn) { EXPECT_THROW(bare.Find(txn, records[1].id()), Error); });
  EXPECT_TRUE(store.Audit().empty()) << store.Audit().front();
  // The same leaf noted for two records: the audit names the leaf whose record points elsewhere.
  store.env().Write([&](LmdbTxn& txn) { ASSERT_TRUE(store.NoteLogIndex(txn, records[1].id(), 3)); });
  store.env().Read([&](LmdbTxn& txn) {
    const std::vector<std::string> problems = log.Audit(txn, hub.public_key());
    ASSERT_FALSE(problems.empty());
    EXPECT_NE(problems.front().find("log leaf 2"), std::string::npos) << problems.front();
  });
}

}  // namespace
}  // namespace bangban
