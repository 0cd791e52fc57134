// Sealing keys by period (custody/sealing_keys.h): periods by the China calendar; a key is made
// once, its secret in a 0600 file of its own and its public key in a signed record; boxes open
// with the named period's key (old boxes with the identity key); the shred pass overwrites and
// removes the files due, appends key.shred, never remakes a key, and shreds again a file that
// came back from a backup.
#include "custody/sealing_keys.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "crypto/error.h"
#include "crypto/sealed_box.h"
#include "hub/hub.h"
#include "protocol/clock.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

int64_t At(const char* rfc3339) { return *ParseRfc3339(rfc3339); }

std::string ErrorCodeOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return std::string(e.code());
  }
  return "(no error)";
}

TEST(SealingPeriodTest, PeriodsAreCalendarMonthsInChinaTime) {
  EXPECT_EQ(SealingPeriodAt(At("2026-12-31T15:59:59Z")), "2026-12");
  EXPECT_EQ(SealingPeriodAt(At("2026-12-31T16:00:00Z")), "2027-01");  // midnight in Beijing
  EXPECT_EQ(SealingPeriodAfter("2026-11", 1), "2026-12");
  EXPECT_EQ(SealingPeriodAfter("2026-12", 13), "2028-01");
  EXPECT_EQ(SealingPeriodStartMs("2027-01"), At("2027-01-01T00:00:00+08:00"));
  EXPECT_TRUE(IsValidSealingPeriod("2026-01"));
  for (const char* bad : {"2026-13", "2026-00", "2026-1", "26-01", "2026/01", "0000-01", "2026-01x"}) {
    EXPECT_FALSE(IsValidSealingPeriod(bad)) << bad;
  }
}

class SealingKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Now("2026-01-10T09:00:00+08:00");
    HubConfig config;
    config.role = "county";
    config.name = "盐湖区行政审批服务管理局";
    config.county = "140802";
    config.simulation = true;
    Hub::Init(dir(), config, std::nullopt);
    hub_ = std::make_unique<Hub>(dir());
  }
  void TearDown() override {
    hub_.reset();
    ::unsetenv("BANGBAN_NOW");
  }
  void Now(const std::string& rfc3339) { ::setenv("BANGBAN_NOW", rfc3339.c_str(), 1); }
  std::filesystem::path dir() const { return tmp_.path() / "hub"; }
  SealingKeys& keys() { return hub_->sealing_keys(); }
  size_t RecordsOfType(const std::string& type) {
    size_t n = 0;
    const PublicKey& own = hub_->key().public_key();
    hub_->store().ScanFeed(own, 1, hub_->store().Head(own).seq, [&](const Record& r) {
      n += r.type() == type;
      return true;
    });
    return n;
  }

  test_support::TempDir tmp_;
  std::unique_ptr<Hub> hub_;
};

TEST_F(SealingKeysTest, InitMakesTheCurrentKeyInAPrivateFileAndPublishesItOnce) {
  std::optional<SealingKeyInfo> january = keys().Find("2026-01");
  ASSERT_TRUE(january);
  EXPECT_TRUE(january->file_present);
  EXPECT_EQ(keys().List(NowMs()).front().state, SealingKeyState::kCurrent);
  struct stat st {};
  ASSERT_EQ(::stat(keys().FileOf("2026-01").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_EQ(RecordsOfType("key.sealing"), 1u);
  // Never made twice, and a malformed period changes nothing.
  EXPECT_EQ(ErrorCodeOf([&] { keys().Publish("2026-01"); }), "usage");
  EXPECT_EQ(ErrorCodeOf([&] { keys().Publish("2026-1"); }), "usage");
  EXPECT_EQ(RecordsOfType("key.sealing"), 1u);
  EXPECT_TRUE(keys().PublishDue(NowMs()).empty()) << "the next period is three weeks away";
  EXPECT_EQ(keys().PublishDue(At("2026-01-26T09:00:00+08:00")).size(), 1u) << "a week ahead";
  EXPECT_TRUE(keys().Find("2026-02"));
  EXPECT_EQ(keys().Latest(At("2026-01-26T09:00:00+08:00"))->period, "2026-01") << "not before February starts";
  EXPECT_EQ(keys().Latest(At("2026-02-01T00:00:00+08:00"))->period, "2026-02");
}

TEST_F(SealingKeysTest, BoxesOpenWithTheNamedKeyAndOldOnesWithTheIdentity) {
  const SealingKeyInfo january = *keys().Find("2026-01");
  const Bytes box = SealToCurveKey(january.public_key, AsBytes(std::string("secret")));
  EXPECT_EQ(AsChars(keys().Open("2026-01", box)), "secret");
  EXPECT_EQ(ErrorCodeOf([&] { Unseal(hub_->key(), box); }), "unseal_failed") << "the identity key must not open it";
  const Bytes old = Seal(hub_->key().public_key(), AsBytes(std::string("old")));
  EXPECT_EQ(AsChars(keys().Open("", old)), "old");
  EXPECT_EQ(ErrorCodeOf([&] { keys().Open("2025-06", box); }), "sealing_key_missing");
  keys().Publish("2026-03");
  EXPECT_EQ(ErrorCodeOf([&] { keys().Open("2026-03", box); }), "unseal_failed");
  // A key whose file is gone, unshredded: reported missing, never remade.
  std::filesystem::remove(keys().FileOf("2026-03"));
  EXPECT_EQ(ErrorCodeOf([&] { keys().Open("2026-03", box); }), "sealing_key_missing");
  EXPECT_EQ(keys().Find("2026-03")->state, SealingKeyState::kMissing);
  EXPECT_EQ(ErrorCodeOf([&] { keys().Publish("2026-03"); }), "usage");
}

TEST_F(SealingKeysTest, TheShredPassWipesDueKeysRecordsItAndRedoesARestoredOne) {
  const SealingKeyInfo january = *keys().Find("2026-01");
  const Bytes box = SealToCurveKey(january.public_key, AsBytes(std::string("secret")));
  std::string backup;
  {
    std::ifstream in(keys().FileOf("2026-01"), std::ios::binary);
    backup.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Not due the day before: January ends 2026-02-01, plus 12 months.
  Now("2027-01-31T23:59:00+08:00");
  EXPECT_TRUE(keys().ShredDue(NowMs(), 12).empty());
  Now("2027-02-01T00:00:00+08:00");
  std::vector<ShredDone> done = keys().ShredDue(NowMs(), 12);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].period, "2026-01");
  EXPECT_FALSE(done[0].redone);
  EXPECT_FALSE(std::filesystem::exists(keys().FileOf("2026-01")));
  EXPECT_EQ(RecordsOfType("key.shred"), 1u);
  EXPECT_EQ(keys().Find("2026-01")->state, SealingKeyState::kShredded);
  const std::string code = ErrorCodeOf([&] { keys().Open("2026-01", box); });
  EXPECT_EQ(code, "key_shredded");
  try {
    keys().Open("2026-01", box);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sealed to key 2026-01, shredded on 2027-0"), std::string::npos) << e.what();
  }
  // A second pass does nothing; a shredded period is never published again.
  EXPECT_TRUE(keys().ShredDue(At("2027-02-01T00:00:00+08:00"), 12).empty());
  EXPECT_EQ(ErrorCodeOf([&] { keys().Publish("2026-01"); }), "usage");

  // The file put back from a backup: shredded again, no second record.
  {
    std::ofstream out(keys().FileOf("2026-01"), std::ios::binary);
    out << backup;
  }
  std::filesystem::permissions(keys().FileOf("2026-01"),
                               std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EXPECT_TRUE(keys().Find("2026-01")->file_present);
  done = keys().ShredDue(At("2027-02-01T00:00:00+08:00"), 12);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].redone);
  EXPECT_FALSE(std::filesystem::exists(keys().FileOf("2026-01")));
  EXPECT_EQ(RecordsOfType("key.shred"), 1u);
  EXPECT_EQ(ErrorCodeOf([&] { keys().Open("2026-01", box); }), "key_shredded");

  // The store still verifies: the shred changed no record.
  const std::vector<std::string> problems = hub_->Audit();
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST_F(SealingKeysTest, AKeyFileReadableByOthersOrOfTheWrongSizeIsRefused) {
  const SealingKeyInfo january = *keys().Find("2026-01");
  const Bytes box = SealToCurveKey(january.public_key, AsBytes(std::string("secret")));
  ::chmod(keys().FileOf("2026-01").c_str(), 0644);
  EXPECT_EQ(ErrorCodeOf([&] { keys().Open("2026-01", box); }), "key_file_mode");
  ::chmod(keys().FileOf("2026-01").c_str(), 0600);
  std::filesystem::resize_file(keys().FileOf("2026-01"), 64);
  EXPECT_EQ(ErrorCodeOf([&] { keys().Open("2026-01", box); }), "key_file_format");
}

}  // namespace
}  // namespace bangban
