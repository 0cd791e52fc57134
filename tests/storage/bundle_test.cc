// Tests of storage/bundle.h: writing and reading bundle files, damaged bundles, importing into
// a hub's store, and the export order.
#include "storage/bundle.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "crypto/coding.h"
#include "crypto/error.h"
#include "crypto/hash.h"
#include "protocol/codec.h"

#include "tests/support/foreign_record.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kCounty = "140802";
constexpr int64_t kTs = 1772413200000;

using test_support::TempDir;

SigningKey KeyFromByte(uint8_t b) {
  Bytes seed(32, b);
  return SigningKey::FromSeed(seed);
}

Json EnrollBody(const PublicKey& key, const std::string& outlet_id) {
  return {{"key", Json::binary(std::vector<uint8_t>(key.begin(), key.end()))},
          {"role", "outlet"},
          {"name", "测试网点"},
          {"county", std::string(kCounty)},
          {"outlet_id", outlet_id}};
}

std::vector<Record> Chain(const SigningKey& key, size_t n, const std::string& tag) {
  std::vector<Record> out;
  for (size_t i = 1; i <= n; ++i) {
    std::optional<RecordId> prev;
    if (!out.empty()) prev = out.back().id();
    out.push_back(Record::Create(key, "feedback.rating", i, prev, kTs,
                                 {{"app_id", "A-" + tag + std::to_string(i)}, {"score", 4}}));
  }
  return out;
}

Bytes ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const fs::path& path, ByteView data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

bool Mentions(const std::vector<ImportProblem>& problems, std::string_view needle) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const ImportProblem& p) { return p.ToString().find(needle) != std::string::npos; });
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l + "\n";
  return out;
}

std::string JoinLines(const std::vector<ImportProblem>& lines) {
  std::string out;
  for (const auto& l : lines) out += "  " + l.ToString() + "\n";
  return out;
}

void PutU32At(Bytes& data, size_t pos, uint32_t v) {
  data[pos] = static_cast<uint8_t>(v >> 24);
  data[pos + 1] = static_cast<uint8_t>(v >> 16);
  data[pos + 2] = static_cast<uint8_t>(v >> 8);
  data[pos + 3] = static_cast<uint8_t>(v);
}

class BundleTest : public testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("BANGBAN_NOW")) old_now_ = old;
    setenv("BANGBAN_NOW", "2026-03-02T09:00:00+08:00", 1);
    records_.push_back(
        Record::Create(county_, "key.enroll", 1, std::nullopt, kTs, EnrollBody(outlet_.public_key(), "O-1")));
    for (Record& r : Chain(outlet_, 3, "o")) records_.push_back(std::move(r));
    // Frame starts (the offset of each length prefix) and ends, as the format defines them.
    size_t pos = kBundleMagic.size();
    for (const Record& r : records_) {
      frame_start_.push_back(pos);
      pos += 4 + r.wire().size();
      frame_end_.push_back(pos);
    }
  }
  void TearDown() override {
    if (old_now_) {
      setenv("BANGBAN_NOW", old_now_->c_str(), 1);
    } else {
      unsetenv("BANGBAN_NOW");
    }
  }

  FeedStore::Options HubOptions() const {
    FeedStore::Options options;
    options.roots = {TrustRoot{county_.public_key(), "county", std::string(kCounty)}};
    options.require_enrollment = true;
    return options;
  }

  fs::path BundlePath(const std::string& name = "records.bundle") const { return dir_.path() / name; }

  TempDir dir_;
  SigningKey county_ = KeyFromByte(21);
  SigningKey outlet_ = KeyFromByte(22);
  std::vector<Record> records_;
  std::vector<size_t> frame_start_, frame_end_;
  std::optional<std::string> old_now_;
};

TEST_F(BundleTest, RoundTrip) {
  WriteBundle(BundlePath(), records_);
  EXPECT_FALSE(fs::exists(BundlePath().string() + ".partial"));
  BundleContents contents = ReadBundle(BundlePath());
  EXPECT_TRUE(contents.problems.empty()) << JoinLines(contents.problems);
  EXPECT_EQ(contents.frames, records_.size());
  ASSERT_EQ(contents.records.size(), records_.size());
  for (size_t i = 0; i < records_.size(); ++i) {
    EXPECT_EQ(contents.records[i].wire(), records_[i].wire());
    EXPECT_EQ(contents.records[i].id(), records_[i].id());
  }
}

TEST_F(BundleTest, FileFollowsTheDocumentedFormat) {
  WriteBundle(BundlePath(), records_);
  Bytes data = ReadFile(BundlePath());
  ASSERT_EQ(data.size(), frame_end_.back() + 4 + 8 + 32);
  EXPECT_TRUE(std::equal(kBundleMagic.begin(), kBundleMagic.end(), data.begin()));
  for (size_t i = 0; i < records_.size(); ++i) {
    size_t p = frame_start_[i];
    uint32_t length = uint32_t{data[p]} << 24 | uint32_t{data[p + 1]} << 16 | uint32_t{data[p + 2]} << 8 | data[p + 3];
    EXPECT_EQ(length, records_[i].wire().size());
    EXPECT_TRUE(std::equal(records_[i].wire().begin(), records_[i].wire().end(), data.begin() + p + 4));
  }
  size_t end = frame_end_.back();
  EXPECT_EQ((Bytes(data.begin() + end, data.begin() + end + 4)), (Bytes{0, 0, 0, 0}));
  EXPECT_EQ(DecodeBigEndian64(data.data() + end + 4), records_.size());
  Hash32 digest = Blake2b256(ByteView(data.data(), end));
  EXPECT_TRUE(std::equal(digest.begin(), digest.end(), data.begin() + end + 12));
}

// Bundles written by earlier releases must still read, and later releases must write the same
// bytes: the records are deterministic (fixed keys and times), so is the whole file.
TEST_F(BundleTest, FileBytesAreStable) {
  WriteBundle(BundlePath(), records_);
  const Bytes data = ReadFile(BundlePath());
  EXPECT_EQ(data.size(), 824u);
  EXPECT_EQ(ToHex(Blake2b256(data)), "1a8738b67f58a87f22e6f5253f60e14d3ee740b3604d04aa39793ec50c55b997");
}

// A FIFO once hung a daemon's control thread (and every command queued behind it), and
// /dev/zero took a daemon past 10 GB: only a regular file is read, and anything else is refused
// at once, before a byte is read.
TEST_F(BundleTest, OnlyARegularFileIsRead) {
  const fs::path fifo = BundlePath("stick.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const fs::path& path : {fifo, fs::path("/dev/zero"), dir_.path()}) {
    try {
      ReadBundle(path);
      ADD_FAILURE() << path << " was read";
    } catch (const Error& e) {
      EXPECT_TRUE(e.Is(ErrorCode::kBundle)) << e.code();
      EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
  }
}

// A bundle is read frame by frame: `stop` (a daemon's SIGTERM) ends the reading between two
// frames, and what was read before is kept; the problem says so.
TEST_F(BundleTest, StopEndsTheReadingBetweenFrames) {
  WriteBundle(BundlePath(), records_);
  std::atomic<bool> stop{false};
  std::vector<Record> read;
  std::vector<ImportProblem> problems;
  const size_t frames = ScanBundle(
      BundlePath(),
      [&](Record r) {
        read.push_back(std::move(r));
        if (read.size() == 2) stop = true;
      },
      [&](ImportProblem p) { problems.push_back(std::move(p)); }, &stop);
  EXPECT_EQ(frames, 2u);
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[1].wire(), records_[1].wire());
  EXPECT_TRUE(Mentions(problems, "stopped (SIGTERM) after 2 frames")) << JoinLines(problems);

  // An import told to stop before it starts stores nothing and says why.
  TempDir hub_dir;
  FeedStore hub(hub_dir.path(), HubOptions());
  ImportReport report = ImportBundle(hub, BundlePath(), &stop);
  EXPECT_EQ(report.accepted, 0u);
  EXPECT_FALSE(report.clean());
  EXPECT_TRUE(Mentions(report.problems, "stopped")) << JoinLines(report.problems);
  EXPECT_EQ(hub.Head(outlet_.public_key()).seq, 0u);
}

// A file of endless bad frames after a good prefix: the prefix is imported, every bad frame is
// counted, and at most kMaxListedProblems are listed (the rest in one line), so the report of a
// huge damaged file stays small.
TEST_F(BundleTest, ManyBadFramesAreCountedButListedOnlyUpToALimit) {
  WriteBundle(BundlePath(), records_);
  Bytes data = ReadFile(BundlePath());
  data.resize(frame_end_.back());  // the good frames, no end marker
  const size_t bad = kMaxListedProblems + 500;
  for (size_t i = 0; i < bad; ++i) {
    PutBigEndian32(data, 3);
    PutRaw(data, Bytes{0xc1, 0xc1, 0xc1});  // 0xc1 is never valid msgpack
  }
  WriteFile(BundlePath("bad.bundle"), data);
  TempDir hub_dir;
  FeedStore hub(hub_dir.path(), HubOptions());
  ImportReport report = ImportBundle(hub, BundlePath("bad.bundle"));
  EXPECT_EQ(report.accepted, records_.size());
  EXPECT_EQ(report.unreadable, bad);
  EXPECT_EQ(report.problems.size(), kMaxListedProblems + 1);
  EXPECT_NE(report.problems.back().message.find("more problems, not listed"), std::string::npos)
      << report.problems.back().ToString();
  EXPECT_EQ(hub.Head(outlet_.public_key()).seq, 3u);
}

TEST_F(BundleTest, EmptyBundleRoundTrips) {
  WriteBundle(BundlePath(), {});
  BundleContents contents = ReadBundle(BundlePath());
  EXPECT_TRUE(contents.problems.empty()) << JoinLines(contents.problems);
  EXPECT_EQ(contents.frames, 0u);
  EXPECT_TRUE(contents.records.empty());
}

TEST_F(BundleTest, TruncatedAtManyOffsetsReadsTheValidPrefix) {
  WriteBundle(BundlePath(), records_);
  Bytes data = ReadFile(BundlePath());
  // Every offset around frame boundaries and in the end marker, every fifth byte elsewhere.
  auto near_boundary = [&](size_t cut) {
    if (cut >= frame_end_.back() - 8) return true;
    for (size_t end : frame_end_) {
      if (cut + 8 >= end && cut <= end + 8) return true;
    }
    return cut <= kBundleMagic.size() + 8;
  };
  for (size_t cut = kBundleMagic.size(); cut < data.size(); ++cut) {
    if (!near_boundary(cut) && cut % 5 != 0) continue;
    SCOPED_TRACE(cut);
    WriteFile(BundlePath("cut.bundle"), ByteView(data.data(), cut));
    BundleContents contents = ReadBundle(BundlePath("cut.bundle"));
    size_t complete = static_cast<size_t>(
        std::count_if(frame_end_.begin(), frame_end_.end(), [&](size_t end) { return end <= cut; }));
    ASSERT_EQ(contents.records.size(), complete);
    for (size_t i = 0; i < complete; ++i) EXPECT_EQ(contents.records[i].wire(), records_[i].wire());
    EXPECT_TRUE(Mentions(contents.problems, "truncated")) << JoinLines(contents.problems);
  }
}

TEST_F(BundleTest, TruncatedImportKeepsThePrefix) {
  WriteBundle(BundlePath(), records_);
  Bytes data = ReadFile(BundlePath());
  // Cut in the middle of the third frame: the enrollment and the outlet's seq 1 are whole.
  size_t cut = frame_start_[2] + 4 + records_[2].wire().size() / 2;
  WriteFile(BundlePath("cut.bundle"), ByteView(data.data(), cut));
  TempDir hub_dir;
  FeedStore hub(hub_dir.path(), HubOptions());
  ImportReport report = ImportBundle(hub, BundlePath("cut.bundle"));
  EXPECT_EQ(report.accepted, 2u);
  EXPECT_FALSE(report.clean());
  EXPECT_TRUE(Mentions(report.problems, "truncated")) << JoinLines(report.problems);
  EXPECT_EQ(hub.Head(outlet_.public_key()).seq, 1u);
  EXPECT_TRUE(hub.Audit().empty()) << JoinLines(hub.Audit());

  // The complete bundle later brings the rest.
  ImportReport rest = ImportBundle(hub, BundlePath());
  EXPECT_EQ(rest.accepted, 2u);
  EXPECT_EQ(rest.duplicate, 2u);
  EXPECT_TRUE(rest.clean()) << JoinLines(rest.problems);
  EXPECT_EQ(hub.Head(outlet_.public_key()).seq, 3u);
}

TEST_F(BundleTest, UndecodableFrameIsNamedAndOthersStillRead) {
  WriteBundle(BundlePath(), records_);
  Bytes data = ReadFile(BundlePath());
  const size_t k = 2;
  data[frame_start_[k] + 4] = 0x93;  // the record's [envelope, signature] array now claims 3 items
  WriteFile(BundlePath("bad.bundle"), data);
  BundleContents contents = ReadBundle(BundlePath("bad.bundle"));
  EXPECT_EQ(contents.frames, records_.size());
  ASSERT_EQ(contents.records.size(), records_.size() - 1);
  std::vector<RecordId> ids;
  for (const Record& r : contents.records) ids.push_back(r.id());
  for (size_t i = 0; i < records_.size(); ++i) {
    bool present = std::find(ids.begin(), ids.end(), records_[i].id()) != ids.end();
    EXPECT_EQ(present, i != k) << i;
  }
  // Named with its index (1-based) and its byte offset.
  EXPECT_TRUE(
      Mentions(contents.problems, "frame " + std::to_string(k + 1) + " at byte " + std::to_string(frame_start_[k])))
      << JoinLines(contents.problems);
  // The end marker's checksum no longer matches either.
  EXPECT_TRUE(Mentions(contents.problems, "checksum")) << JoinLines(contents.problems);
}

TEST_F(BundleTest, AlteredSignatureIsRefusedOnImport) {
  WriteBundle(BundlePath(), records_);
  Bytes data = ReadFile(BundlePath());
  const size_t k = 3;               // outlet seq 3
  data[frame_end_[k] - 1] ^= 0x01;  // last byte of its signature
  WriteFile(BundlePath("bad.bundle"), data);
  BundleContents contents = ReadBundle(BundlePath("bad.bundle"));
  EXPECT_EQ(contents.records.size(), records_.size());  // it still decodes
  EXPECT_TRUE(Mentions(contents.problems, "checksum")) << JoinLines(contents.problems);

  TempDir hub_dir;
  FeedStore hub(hub_dir.path(), HubOptions());
  ImportReport report = ImportBundle(hub, BundlePath("bad.bundle"));
  EXPECT_EQ(report.accepted, 3u);
  EXPECT_GE(report.rejected, 1u);
  EXPECT_TRUE(Mentions(report.problems, "bad_signature")) << JoinLines(report.problems);
  EXPECT_TRUE(Mentions(report.problems, "seq 3")) << JoinLines(report.problems);
  EXPECT_EQ(hub.Head(outlet_.public_key()).seq, 2u);
}

TEST_F(BundleTest, HugeLengthMakesTheRestUnreadable) {
  WriteBundle(BundlePath(), records_);
  Bytes original = ReadFile(BundlePath());
  const size_t k = 1;
  for (uint32_t length : {uint32_t{0xFFFFFFFF}, static_cast<uint32_t>(kMaxRecordBytes + 1)}) {
    SCOPED_TRACE(length);
    Bytes data = original;
    PutU32At(data, frame_start_[k], length);
    WriteFile(BundlePath("bad.bundle"), data);
    BundleContents contents = ReadBundle(BundlePath("bad.bundle"));
    ASSERT_EQ(contents.records.size(), k);
    EXPECT_EQ(contents.records[0].wire(), records_[0].wire());
    EXPECT_TRUE(Mentions(contents.problems, "frame " + std::to_string(k + 1))) << JoinLines(contents.problems);
    EXPECT_TRUE(Mentions(contents.problems, "cannot be read")) << JoinLines(contents.problems);
  }
}

TEST_F(BundleTest, WrongLengthNeverYieldsForeignRecords) {
  WriteBundle(BundlePath(), records_);
  Bytes original = ReadFile(BundlePath());
  const size_t k = 1;
  const uint32_t real = static_cast<uint32_t>(records_[k].wire().size());
  for (uint32_t length : {real - 1, real + 1, real + 5, uint32_t{1}, uint32_t{3}, uint32_t{0}}) {
    SCOPED_TRACE(length);
    Bytes data = original;
    PutU32At(data, frame_start_[k], length);
    WriteFile(BundlePath("bad.bundle"), data);
    BundleContents contents = ReadBundle(BundlePath("bad.bundle"));
    ASSERT_GE(contents.records.size(), k);
    EXPECT_EQ(contents.records[0].wire(), records_[0].wire());
    // Whatever else was read is one of the real records, never a misframed one.
    for (const Record& r : contents.records) {
      EXPECT_TRUE(std::any_of(records_.begin(), records_.end(), [&](const Record& o) { return o.wire() == r.wire(); }));
    }
    EXPECT_FALSE(contents.problems.empty());
  }
}

TEST_F(BundleTest, NotABundle) {
  auto expect_bundle_error = [](const fs::path& path) {
    try {
      ReadBundle(path);
      ADD_FAILURE() << "read " << path << " as a bundle";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "bundle") << e.what();
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
  };
  WriteFile(BundlePath("text.txt"), AsBytes("hello, this is not a bundle at all\n"));
  expect_bundle_error(BundlePath("text.txt"));
  WriteFile(BundlePath("empty"), {});
  expect_bundle_error(BundlePath("empty"));
  WriteFile(BundlePath("v2"), AsBytes("bangban-bundle v2\n\0\0\0\0"));
  expect_bundle_error(BundlePath("v2"));
  WriteFile(BundlePath("short"), AsBytes("bangban-bun"));
  expect_bundle_error(BundlePath("short"));
  expect_bundle_error(BundlePath("missing"));
  // Import refuses it the same way.
  TempDir hub_dir;
  FeedStore hub(hub_dir.path(), HubOptions());
  try {
    ImportBundle(hub, BundlePath("text.txt"));
    ADD_FAILURE() << "imported a text file";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "bundle");
  }
}

// Records of a type this build does not know travel in bundles like any other: written, read,
// imported by a hub that does not know the type either, and exported again, bytes unchanged.
TEST_F(BundleTest, RecordsOfAnUnknownTypeAreCarried) {
  std::vector<Record> bundle = records_;
  for (Record& r : test_support::ForeignChain(outlet_, 4, records_.back().id(), kTs, 2)) {
    bundle.push_back(std::move(r));
  }
  WriteBundle(BundlePath(), bundle);
  BundleContents contents = ReadBundle(BundlePath());
  EXPECT_TRUE(contents.problems.empty()) << JoinLines(contents.problems);
  ASSERT_EQ(contents.records.size(), bundle.size());
  EXPECT_EQ(contents.records.back().type(), "outlet.survey");

  TempDir hub_dir;
  FeedStore hub(hub_dir.path(), HubOptions());
  ImportReport report = ImportBundle(hub, BundlePath());
  EXPECT_TRUE(report.clean()) << JoinLines(report.problems);
  EXPECT_EQ(report.accepted, bundle.size());
  EXPECT_EQ(hub.Head(outlet_.public_key()).seq, 5u);
  EXPECT_TRUE(hub.Audit().empty()) << JoinLines(hub.Audit());
  std::vector<Record> exported = AllRecordsForExport(hub);
  ASSERT_EQ(exported.size(), bundle.size());
  for (size_t i = 0; i < bundle.size(); ++i) EXPECT_EQ(exported[i].wire(), bundle[i].wire()) << i;
}

TEST_F(BundleTest, ImportIntoHubCountsAndNamesRejections) {
  SigningKey stranger = KeyFromByte(23);
  std::vector<Record> bundle = records_;
  auto strangers = Chain(stranger, 2, "s");
  bundle.insert(bundle.end(), strangers.begin(), strangers.end());
  bundle.push_back(records_[2]);  // a duplicate
  WriteBundle(BundlePath(), bundle);

  TempDir hub_dir;
  FeedStore hub(hub_dir.path(), HubOptions());
  ImportReport report = ImportBundle(hub, BundlePath());
  EXPECT_EQ(report.accepted, 4u);
  EXPECT_EQ(report.duplicate, 1u);
  EXPECT_EQ(report.rejected, 2u);
  EXPECT_EQ(report.forks, 0u);
  EXPECT_EQ(report.buffered, 0u);
  EXPECT_FALSE(report.clean());
  ASSERT_EQ(report.problems.size(), 2u) << JoinLines(report.problems);
  for (uint64_t seq : {1, 2}) {
    std::string needle = KeyId(stranger.public_key()) + " seq " + std::to_string(seq);
    EXPECT_TRUE(Mentions(report.problems, needle)) << needle << "\n" << JoinLines(report.problems);
  }
  EXPECT_TRUE(Mentions(report.problems, "unknown_author")) << JoinLines(report.problems);
  EXPECT_EQ(hub.Head(outlet_.public_key()).seq, 3u);
  EXPECT_EQ(hub.Head(stranger.public_key()).seq, 0u);

  // Importing the same file again changes nothing.
  ImportReport again = ImportBundle(hub, BundlePath());
  EXPECT_EQ(again.accepted, 0u);
  EXPECT_EQ(again.duplicate, 5u);
  EXPECT_EQ(again.rejected, 2u);
  EXPECT_EQ(hub.RecordCount(), 4u);
  EXPECT_TRUE(hub.Audit().empty()) << JoinLines(hub.Audit());
}

TEST_F(BundleTest, CleanImport) {
  WriteBundle(BundlePath(), records_);
  TempDir hub_dir;
  FeedStore hub(hub_dir.path(), HubOptions());
  ImportReport report = ImportBundle(hub, BundlePath());
  EXPECT_EQ(report.accepted, records_.size());
  EXPECT_TRUE(report.clean()) << JoinLines(report.problems);
  EXPECT_TRUE(report.problems.empty());
}

TEST_F(BundleTest, ExportPutsTheEnrollingHubFirst) {
  // Keys chosen so that the outlet's feed sorts before the county's: a plain scan by author
  // would send the outlet's records before the enrollment they depend on.
  SigningKey a = KeyFromByte(31), b = KeyFromByte(32);
  const bool a_first = a.public_key() < b.public_key();
  const SigningKey& outlet = a_first ? a : b;
  const SigningKey& county = a_first ? b : a;
  ASSERT_LT(outlet.public_key(), county.public_key());

  TempDir node_dir;
  FeedStore::Options node_options;
  node_options.roots = {TrustRoot{county.public_key(), "county", std::string(kCounty)}};
  node_options.require_enrollment = false;
  FeedStore node(node_dir.path(), node_options);
  node.AppendOwn(outlet, {{"feedback.rating", {{"app_id", "A-1"}, {"score", 5}}},
                          {"feedback.rating", {{"app_id", "A-2"}, {"score", 3}}}});
  Record enroll = Record::Create(county, "key.enroll", 1, std::nullopt, kTs, EnrollBody(outlet.public_key(), "O-9"));
  ASSERT_EQ(node.Ingest(std::span<const Record>(&enroll, 1)).at(0).kind, IngestOutcome::Kind::kAccepted);

  std::vector<Record> exported = AllRecordsForExport(node);
  ASSERT_EQ(exported.size(), 3u);
  EXPECT_EQ(exported[0].author(), county.public_key());
  EXPECT_EQ(exported[0].type(), "key.enroll");
  EXPECT_EQ(exported[1].author(), outlet.public_key());
  EXPECT_EQ(exported[1].seq(), 1u);
  EXPECT_EQ(exported[2].seq(), 2u);

  // So a hub that knows only the county root takes the whole export in one import.
  WriteBundle(BundlePath("export.bundle"), exported);
  TempDir hub_dir;
  FeedStore::Options hub_options;
  hub_options.roots = node_options.roots;
  FeedStore hub(hub_dir.path(), hub_options);
  ImportReport report = ImportBundle(hub, BundlePath("export.bundle"));
  EXPECT_EQ(report.accepted, 3u);
  EXPECT_TRUE(report.clean()) << JoinLines(report.problems);
  EXPECT_EQ(hub.Head(outlet.public_key()).seq, 2u);
}

// Regression: AllRecordsForExport (storage/bundle.cc) once put every enrolling key's feed first, but in
// plain key order among themselves. With three levels (the city enrolls a county, the county
// enrolls an outlet), a county key that sorts before the city key sends the county's
// key.enroll before the city's enrollment of the county: a hub that knows only the city root
// refuses the county's enrollment ("unknown_author") and then every record of the outlet, so
// one import of a complete export is not clean (a second import of the same file would be).
TEST_F(BundleTest, ExportOrdersEnrollmentsAcrossLevels) {
  std::vector<SigningKey> keys;
  for (uint8_t seed : {41, 42, 43}) keys.push_back(KeyFromByte(seed));
  std::sort(keys.begin(), keys.end(),
            [](const SigningKey& x, const SigningKey& y) { return x.public_key() < y.public_key(); });
  const SigningKey& outlet = keys[0];  // smallest key
  const SigningKey& county = keys[1];
  const SigningKey& city = keys[2];  // largest key

  TempDir node_dir;
  FeedStore::Options node_options;
  node_options.roots = {TrustRoot{city.public_key(), "city", ""}};
  node_options.require_enrollment = false;
  FeedStore node(node_dir.path(), node_options);
  Json county_body = {
      {"key", Json::binary(std::vector<uint8_t>(county.public_key().begin(), county.public_key().end()))},
      {"role", "county"},
      {"name", "盐湖区"},
      {"county", std::string(kCounty)}};
  std::vector<Record> feeds = {
      Record::Create(city, "key.enroll", 1, std::nullopt, kTs, county_body),
      Record::Create(county, "key.enroll", 1, std::nullopt, kTs, EnrollBody(outlet.public_key(), "O-1"))};
  for (Record& r : Chain(outlet, 2, "o")) feeds.push_back(std::move(r));
  for (const IngestOutcome& o : node.Ingest(feeds)) ASSERT_EQ(o.kind, IngestOutcome::Kind::kAccepted) << o.message;

  std::vector<Record> exported = AllRecordsForExport(node);
  ASSERT_EQ(exported.size(), 4u);
  WriteBundle(BundlePath("export.bundle"), exported);
  TempDir hub_dir;
  FeedStore::Options hub_options;
  hub_options.roots = node_options.roots;
  FeedStore hub(hub_dir.path(), hub_options);
  ImportReport report = ImportBundle(hub, BundlePath("export.bundle"));
  EXPECT_EQ(report.accepted, 4u);
  EXPECT_TRUE(report.clean()) << JoinLines(report.problems);
}

}  // namespace
}  // namespace bangban
