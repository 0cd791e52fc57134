// A hub opened in-process from a data dir of the test's temporary directory, at a fixed clock
// (BANGBAN_NOW), and an outlet's feed of app.submit records whose applicant is sealed to a key:
// what the custody tests need to put sealed boxes in a county hub's store without the command
// line.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/sealed_box.h"
#include "hub/hub.h"
#include "protocol/clock.h"
#include "tests/support/temp_dir.h"

namespace bangban::test_support {

inline constexpr const char* kCounty = "140802";                // the county of the hub MakeHub makes
inline constexpr const char* kCity = "1408";                    // the city of a city hub MakeHub makes
inline constexpr const char* kIdNumber = "11010519491231002X";  // the applicant's, unless a test says
inline constexpr const char* kName = "张三明";                  // the applicant's name, masked 张*明

// An outlet's own feed, signed with its own key as bangban-node would sign it.
struct SubmittingOutlet {
  std::string kind = "establish";  // what this outlet's applications ask for
  SigningKey key = SigningKey::Generate();
  uint64_t seq = 0;
  std::optional<RecordId> head;

  // The next app.submit of this feed, of one individual applicant whose id number and name are
  // sealed to `sealed_to`; at `ts`, or NowMs() (the fixed clock) if `ts` is 0.
  Record Submit(const std::string& app_id, const PublicKey& sealed_to, const std::string& id_number = kIdNumber,
                const std::string& entity_name = "盐湖区小店", int64_t ts = 0) {
    const std::string clear = Json{{"id_number", id_number}, {"name", kName}}.dump();
    Json body = {
        {"app_id", app_id},
        {"kind", kind},
        {"entity_type", "individual"},
        {"entity_name", entity_name},
        {"applicant", {{"id_sealed", Json::binary(Seal(sealed_to, AsBytes(clear)))}, {"name_masked", "张*明"}}},
        {"realname_verified", true},
        {"channel", "outlet"},
        {"fee_cents", 0},
        {"helper", "王芳"},
        {"materials", Json::array({"id_card"})}};
    Record r = Record::Create(key, "app.submit", ++seq, head, ts == 0 ? NowMs() : ts, body);
    head = r.id();
    return r;
  }
};

// A test of its own hub in Dir(), made by MakeHub, at 2026-03-02 09:00 China time.
class InProcessHubTest : public ::testing::Test {
 protected:
  void SetUp() override { ::setenv("BANGBAN_NOW", "2026-03-02T09:00:00+08:00", 1); }
  void TearDown() override {
    hub_.reset();  // before the temporary directory goes
    ::unsetenv("BANGBAN_NOW");
  }

  // Initialises a simulation hub of `role` ("county": kCounty, "city": kCity) in Dir() and opens it.
  void MakeHub(const std::string& role = "county") {
    HubConfig config;
    config.role = role;
    config.name = "盐湖区行政审批服务管理局";
    config.county = role == "county" ? kCounty : kCity;
    config.simulation = true;
    Hub::Init(Dir(), config, std::nullopt);
    Open();
  }
  // Opens the hub in Dir() again, closing the one open first.
  void Open() {
    hub_.reset();
    hub_ = std::make_unique<Hub>(Dir());
  }
  // The hub's data dir.
  std::filesystem::path Dir() const { return tmp_.path() / "hub"; }
  // The open hub (after MakeHub).
  Hub& hub() { return *hub_; }
  // Stores `record` as the hub receiving it; a fatal failure unless it is accepted.
  void Receive(const Record& record) {
    const std::vector<Record> records = {record};
    ASSERT_EQ(hub().store().Ingest(records).front().kind, IngestOutcome::Kind::kAccepted);
  }

  TempDir tmp_;
  std::unique_ptr<Hub> hub_;
};

}  // namespace bangban::test_support
