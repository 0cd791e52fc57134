// Applicant data at the county (docs/personal-data.md), with real processes: a city hub, a
// county hub replicating to it and an outlet node, each with its own LMDB data dir.
//
// A county reviewer opens an applicant: the clear ID number and name are printed, a signed
// pii.access record is in the county's feed first and replicates to the city, and no data dir
// of the city (nor the county's LMDB files, nor any daemon's log) holds a clear value. An unknown
// name, a disabled reviewer, a county_admin and the city are refused, and nothing is written.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/cli/city_fixture.h"

namespace {

using namespace city;
using std::chrono::seconds;

constexpr const char* kIdNumber = "11010519491231002X";  // AppSubmit's applicant (city_fixture.h)
constexpr const char* kName = "张三明";

class ApplicantDataTest : public CityFixture {
 protected:
  // City "C", county "Y" replicating to it, outlet node "N" (YH-001) with one application A-1
  // received at Y.
  void StartCity() {
    city_key_ = InitCity("C");
    county_key_ = InitCounty("Y", city_key_, "C");
    WithoutDaemonLinking("Y");  // the tests count the county's own records exactly
    const int city_port = FreePort();
    county_port_ = FreePort();
    StartHub("C", city_port);
    StartHub("Y", county_port_, city_port, city_key_);
    node_key_ = InitNode("N", "YH-001", county_key_, Loopback(county_port_));
    EnrollOutlet("Y", node_key_, "YH-001");
    ASSERT_EQ(Submit("N", AppSubmit("A-1", "盐湖区张三小吃店").dump() + "\n").size(), 1u);
    Sync s;
    ASSERT_TRUE(WaitFor([&] { return (s = SyncOnce("N")).complete(); }, seconds(60))) << s.result.Describe() << Logs();
  }

  cli::Result Applicant(const std::string& hub_dir, const std::string& reviewer, bool json = true) {
    std::vector<std::string> args = {"applicant",  "--data", hub_dir,     "A-1",
                                     "--reviewer", reviewer, "--purpose", "核验申请人身份"};
    if (json) args.push_back("--json");
    return Hub(args);
  }

  // Every record of type `type` the hub in `dir` holds.
  std::vector<bangban::Record> RecordsOfType(const std::string& dir, const std::string& type) {
    std::vector<bangban::Record> out;
    for (bangban::Record& r : HubRecordsExported(dir)) {
      if (r.type() == type) out.push_back(std::move(r));
    }
    return out;
  }

  // Fails for every file under `dir` (or only its LMDB files) that holds a clear value.
  void ExpectNoClearValues(const std::string& dir, bool lmdb_only = false) {
    size_t files = 0;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(Path(dir))) {
      if (!entry.is_regular_file()) continue;
      if (lmdb_only && entry.path().extension() != ".mdb") continue;
      ++files;
      const std::string bytes = cli::ReadFile(entry.path());
      for (const std::string secret : {kIdNumber, kName}) {
        EXPECT_EQ(bytes.find(secret), std::string::npos)
            << "personal data '" << secret << "' found in " << entry.path() << " at byte " << bytes.find(secret);
      }
    }
    EXPECT_GT(files, 0u) << "nothing searched in " << dir;
  }

  std::string city_key_, county_key_, node_key_;
  int county_port_ = 0;
};

TEST_F(ApplicantDataTest, AReviewerOpensAnApplicantAfterASignedTraceThatReachesTheCity) {
  ASSERT_NO_FATAL_FAILURE(StartCity());
  ASSERT_NO_FATAL_FAILURE(AddOperator("Y", "r01"));
  const uint64_t before = Head("Y", county_key_);

  cli::Result opened = Applicant("Y", "r01");
  ASSERT_EQ(opened.exit_code, 0) << opened.Describe();
  json doc = json::parse(opened.out, nullptr, false);
  EXPECT_EQ(doc["id_number"], kIdNumber) << opened.out;
  EXPECT_EQ(doc["name"], kName) << opened.out;
  EXPECT_EQ(doc["outlet_id"], "YH-001") << opened.out;
  cli::Result text = Applicant("Y", "r01", /*json=*/false);
  ASSERT_EQ(text.exit_code, 0) << text.Describe();
  EXPECT_NE(text.out.find(std::string("applicant ") + kName + ", ID number " + kIdNumber), std::string::npos)
      << text.out;
  EXPECT_EQ(Head("Y", county_key_), before + 2) << "each opening appends one pii.access record";

  // The trace: who, which application, why, and no personal data.
  std::vector<bangban::Record> trace = RecordsOfType("Y", "pii.access");
  ASSERT_EQ(trace.size(), 2u);
  EXPECT_EQ(bangban::ToHex(trace[0].id()), doc["access_id"]);
  EXPECT_EQ(trace[0].author(), Key(county_key_));
  EXPECT_EQ(trace[0].body()["reviewer"], "r01");
  EXPECT_EQ(trace[0].body()["app_id"], "A-1");
  EXPECT_EQ(trace[0].body()["outlet_id"], "YH-001");
  EXPECT_EQ(trace[0].body()["purpose"], "核验申请人身份");
  const std::string body = trace[0].body().dump();
  EXPECT_EQ(body.find(kIdNumber), std::string::npos);
  EXPECT_EQ(body.find(kName), std::string::npos);

  // It replicates to the city like every other record, and the city knows the county's operators.
  ASSERT_TRUE(WaitForHead("C", county_key_, before + 2)) << Logs();
  EXPECT_EQ(RecordsOfType("C", "pii.access").size(), 2u);
  cli::Result operators = Hub({"user", "list", "--data", "C", "--json"});
  ASSERT_EQ(operators.exit_code, 0) << operators.Describe();
  json listed = json::parse(operators.out, nullptr, false);
  ASSERT_EQ(listed["operators"].size(), 1u) << operators.out;
  EXPECT_EQ(listed["operators"][0]["name"], "r01");
  EXPECT_EQ(listed["operators"][0]["hub"], county_key_);
  EXPECT_EQ(listed["operators"][0]["this_hub"], false);

  // The queue and the SLA report never show the clear values.
  for (std::vector<std::string> args : {std::vector<std::string>{"queue", "--data", "Y", "--json"},
                                        std::vector<std::string>{"report", "sla", "--data", "Y", "--apps"}}) {
    cli::Result r = Hub(args);
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    EXPECT_EQ(r.out.find(kName), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find(kIdNumber), std::string::npos) << r.out;
  }

  for (const auto& d : daemons_) EXPECT_EQ(d->Stop(), 0) << d->Log();
  for (const auto& d : daemons_) {
    EXPECT_EQ(d->Log().find(kIdNumber), std::string::npos) << d->name() << " logged the ID number";
    EXPECT_EQ(d->Log().find(kName), std::string::npos) << d->name() << " logged the name";
  }
  ASSERT_NO_FATAL_FAILURE(ExpectNoClearValues("C"));
  ASSERT_NO_FATAL_FAILURE(ExpectNoClearValues("Y", /*lmdb_only=*/true));
  ExpectAuditClean("Y");
  ExpectAuditClean("C");
}

TEST_F(ApplicantDataTest, AnUnknownDisabledOrOtherRoleNameAndTheCityAreRefusedAndNothingIsWritten) {
  ASSERT_NO_FATAL_FAILURE(StartCity());
  ASSERT_NO_FATAL_FAILURE(AddOperator("Y", "r01"));
  ASSERT_NO_FATAL_FAILURE(AddOperator("Y", "r02"));
  ASSERT_NO_FATAL_FAILURE(AddOperator("Y", "a01", "county_admin"));
  ASSERT_NO_FATAL_FAILURE(AddOperator("C", "c01", "city_auditor"));
  cli::Result disabled = Hub({"user", "disable", "--data", "Y", "--name", "r02", "--reason", "调岗"});
  ASSERT_EQ(disabled.exit_code, 0) << disabled.Describe();
  const uint64_t county_head = Head("Y", county_key_), city_head = Head("C", city_key_);

  struct Refusal {
    std::string dir, reviewer, code, says;
  };
  for (const Refusal& r : std::vector<Refusal>{
           {"Y", "王五", "not_operator", "is not an operator of this hub"},
           {"Y", "r02", "not_operator", "was disabled"},
           {"Y", "a01", "not_operator", "is a county_admin"},
           {"Y", "c01", "not_operator", "is not an operator of this hub"},  // the city's auditor
           {"C", "r01", "not_custodian", "this is the city hub"},
           {"C", "c01", "not_custodian", "this is the city hub"},
       }) {
    cli::Result refused = Applicant(r.dir, r.reviewer);
    EXPECT_EQ(refused.exit_code, 1) << r.reviewer << "\n" << refused.Describe();
    json doc = json::parse(refused.out, nullptr, false);
    EXPECT_EQ(doc["error"]["code"], r.code) << r.reviewer << "\n" << refused.Describe();
    EXPECT_NE(refused.err.find(r.says), std::string::npos) << refused.Describe();
    EXPECT_EQ(refused.out.find(kIdNumber), std::string::npos) << refused.Describe();
  }
  cli::Result unknown = Hub({"applicant", "--data", "Y", "NO-SUCH", "--reviewer", "r01", "--purpose", "核验"});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.Describe();
  EXPECT_NE(unknown.err.find("unknown_app"), std::string::npos) << unknown.Describe();
  cli::Result no_purpose = Hub({"applicant", "--data", "Y", "A-1", "--reviewer", "r01", "--purpose", ""});
  EXPECT_EQ(no_purpose.exit_code, 2) << no_purpose.Describe();

  EXPECT_EQ(Head("Y", county_key_), county_head) << "a refused opening wrote a record";
  EXPECT_EQ(Head("C", city_key_), city_head) << "a refused opening wrote a record";
  EXPECT_TRUE(RecordsOfType("Y", "pii.access").empty());
}

}  // namespace
