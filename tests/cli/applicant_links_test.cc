// Pseudonyms as records (docs/personal-data.md, "Pseudonyms"), with real processes: county hubs
// link each received application to a keyed pseudonym of its applicant's ID number in signed
// applicant.link records, off the ingest path (the daemon's loop, or `bangban-hub link`).
//
// The links appear via the daemon and via `link`, replicate to the city, and the city holds no
// pseudonym key and no clear value; a kill -9 while linking loses and duplicates nothing; the
// same person filing the same entity name at two outlets within the window is flagged, two
// people or a filing outside the window are not; distinct applicants are counted per county and
// summed at the city; `reindex` reproduces every figure.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/city_fixture.h"

namespace {

using namespace city;
using std::chrono::seconds;

constexpr const char* kOtherCounty = "140821";  // 临猗县

// A resident ID number with its check character (GB 11643).
std::string IdNumber(const std::string& first17) {
  static const int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + "10X98765432"[sum % 11];
}

struct Person {
  std::string id_number, name;
};
const Person kP1{"11010519491231002X", "张三明"};
const Person kP2{IdNumber("14080219800101001"), "李四光"};
const Person kP3{IdNumber("14080219900202002"), "王五强"};

json Application(const std::string& app_id, const std::string& entity_name, const Person& who) {
  json line = AppSubmit(app_id, entity_name);
  line["applicant"] = {{"id_number", who.id_number}, {"name", who.name}};
  return line;
}

class ApplicantLinksTest : public CityFixture {
 protected:
  // Every record of type `type` the hub in `dir` holds.
  std::vector<bangban::Record> RecordsOfType(const std::string& dir, const std::string& type) {
    std::vector<bangban::Record> out;
    for (bangban::Record& r : HubRecordsExported(dir)) {
      if (r.type() == type) out.push_back(std::move(r));
    }
    return out;
  }

  json RunJson(const std::vector<std::string>& args) {
    cli::Result r = Hub(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }
  json Applicants(const std::string& dir) {
    json report = RunJson({"report", "sla", "--data", dir, "--json"});
    return report.is_object() ? report["applicants"] : json();
  }
  json Oversight(const std::string& dir) { return RunJson({"report", "oversight", "--data", dir, "--json"}); }

  // Submits `lines` at node `dir` with its clock at `now` (a simulation node) or the real one.
  void SubmitAt(const std::string& dir, const std::string& lines, const std::string& now = "") {
    static int files = 0;
    const std::string file = "links-submit-" + std::to_string(++files) + ".jsonl";
    cli::WriteFile(Path(file), lines);
    cli::Env env = now.empty() ? kRealClock : cli::Env{"BANGBAN_NOW=" + now};
    cli::Result r = cli::Run({cli::kNodeBin, "submit", "--data", dir, file}, "", env, tmp_.path(), seconds(180));
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
  }

  void SyncNode(const std::string& dir) {
    Sync s;
    ASSERT_TRUE(WaitFor([&] { return (s = SyncOnce(dir)).complete(); }, seconds(60))) << s.result.Describe() << Logs();
  }

  std::string InitSimulationNode(const std::string& dir, const std::string& outlet, const std::string& county_key,
                                 int hub_port) {
    cli::Result r = Node({"init", "--data", dir, "--outlet", outlet, "--county", kCounty, "--county-key", county_key,
                          "--hub", Loopback(hub_port), "--simulation", "--sealing-key", SealingKeyOf(county_key)});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return FirstLine(r.out);
  }

  // Fails for every file under `dir` that holds a clear ID number or name of `people`.
  void ExpectNoClearValues(const std::string& dir, const std::vector<Person>& people) {
    size_t files = 0;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(Path(dir))) {
      if (!entry.is_regular_file()) continue;
      ++files;
      const std::string bytes = cli::ReadFile(entry.path());
      for (const Person& p : people) {
        for (const std::string& secret : {p.id_number, p.name}) {
          EXPECT_EQ(bytes.find(secret), std::string::npos)
              << "personal data '" << secret << "' found in " << entry.path();
        }
      }
    }
    EXPECT_GT(files, 0u) << "nothing searched in " << dir;
  }

  // The app_id@outlet pairs of a report's likely duplicates, each pair sorted.
  static std::set<std::string> DuplicatePairs(const json& applicants) {
    std::set<std::string> pairs;
    for (const json& d : applicants["likely_duplicates"]) {
      std::vector<std::string> apps;
      for (const json& a : d["applications"]) {
        apps.push_back(a["app_id"].get<std::string>() + "@" + a["outlet_id"].get<std::string>());
      }
      std::sort(apps.begin(), apps.end());
      pairs.insert(apps.at(0) + "+" + apps.at(1));
    }
    return pairs;
  }
};

TEST_F(ApplicantLinksTest, TheDaemonLinksApplicationsTheLinksReachTheCityWhichCountsDistinctApplicantsPerCounty) {
  // City C; county Y (140802) with outlets YH-001 and YH-002; county Z (140821) with ZH-001.
  const std::string city_key = InitCity("C");
  const std::string county_key = InitCounty("Y", city_key, "C");
  cli::Result z = Hub({"init", "--data", "Z", "--role", "county", "--name", "临猗县行政审批服务管理局", "--county",
                       kOtherCounty, "--city-key", city_key});
  ASSERT_EQ(z.exit_code, 0) << z.Describe();
  const std::string other_key = FirstLine(z.out);
  cli::Result enrolled = Hub(
      {"enroll", "--data", "C", "--key", other_key, "--role", "county", "--name", "临猗县", "--county", kOtherCounty});
  ASSERT_EQ(enrolled.exit_code, 0) << enrolled.Describe();

  // The county hubs have a pseudonym key of 32 bytes, mode 0600; the city has none.
  struct stat st;
  ASSERT_EQ(::stat(Path("Y/pseudonym.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(Path("C/pseudonym.key")));

  const int city_port = FreePort(), y_port = FreePort(), z_port = FreePort();
  StartHub("C", city_port);
  StartHub("Y", y_port, city_port, city_key);
  StartHub("Z", z_port, city_port, city_key);
  const std::string n_key = InitNode("N", "YH-001", county_key, Loopback(y_port));
  const std::string m_key = InitNode("M", "YH-002", county_key, Loopback(y_port));
  cli::Result o_init = Node({"init", "--data", "O", "--outlet", "ZH-001", "--county", kOtherCounty, "--county-key",
                             other_key, "--hub", Loopback(z_port), "--sealing-key", cli::SealingKeyFromInit(z.err)});
  ASSERT_EQ(o_init.exit_code, 0) << o_init.Describe();
  EnrollOutlet("Y", n_key, "YH-001");
  EnrollOutlet("Y", m_key, "YH-002");
  EnrollOutlet("Z", FirstLine(o_init.out), "ZH-001");
  const uint64_t y_before = Head("Y", county_key), z_before = Head("Z", other_key);

  // P1 files the same business at both outlets of Y (a likely duplicate); P2 files another at
  // YH-002; P1 files in county Z too, where P1 is another pseudonym.
  ASSERT_NO_FATAL_FAILURE(SubmitAt("N", Application("A-1", "盐湖区张三小吃店", kP1).dump() + "\n"));
  ASSERT_NO_FATAL_FAILURE(SubmitAt("M", Application("B-1", "盐湖区张三小吃店", kP1).dump() + "\n" +
                                            Application("B-2", "盐湖区李四五金店", kP2).dump() + "\n"));
  ASSERT_NO_FATAL_FAILURE(SubmitAt("O", Application("Z-1", "临猗县张三果业", kP1).dump() + "\n"));
  ASSERT_NO_FATAL_FAILURE(SyncNode("N"));
  ASSERT_NO_FATAL_FAILURE(SyncNode("M"));
  ASSERT_NO_FATAL_FAILURE(SyncNode("O"));

  // The daemons link by themselves, and the links replicate to the city.
  ASSERT_TRUE(WaitForHead("Y", county_key, y_before + 3)) << Logs();
  ASSERT_TRUE(WaitForHead("Z", other_key, z_before + 1)) << Logs();
  const uint64_t y_head = Head("Y", county_key);
  ASSERT_TRUE(WaitForHead("C", county_key, y_head)) << Logs();
  ASSERT_TRUE(WaitForHead("C", other_key, Head("Z", other_key))) << Logs();

  std::map<std::string, std::string> submit_of;  // app_id -> the app.submit record's id
  for (const bangban::Record& r : RecordsOfType("Y", "app.submit")) {
    submit_of[r.body()["app_id"].get<std::string>()] = bangban::ToHex(r.id());
  }
  std::vector<bangban::Record> links = RecordsOfType("Y", "applicant.link");
  ASSERT_EQ(links.size(), 3u);
  std::map<std::string, std::string> pseudonym_of;
  for (const bangban::Record& link : links) {
    EXPECT_EQ(link.author(), Key(county_key));
    const std::string app = link.body()["app_id"].get<std::string>();
    EXPECT_EQ(link.body()["outlet_id"], app == "A-1" ? "YH-001" : "YH-002") << app;
    EXPECT_EQ(bangban::ToHex(link.body()["submit"].get_binary()), submit_of[app]) << app;
    ASSERT_EQ(link.body()["pseudonym"].get_binary().size(), 32u);
    pseudonym_of[app] = bangban::ToHex(link.body()["pseudonym"].get_binary());
    const std::string body = link.body().dump();
    EXPECT_EQ(body.find(kP1.id_number), std::string::npos);
    EXPECT_EQ(body.find(kP1.name), std::string::npos);
  }
  EXPECT_EQ(pseudonym_of["A-1"], pseudonym_of["B-1"]) << "one person, one pseudonym";
  EXPECT_NE(pseudonym_of["A-1"], pseudonym_of["B-2"]) << "two people, two pseudonyms";
  std::vector<bangban::Record> z_links = RecordsOfType("Z", "applicant.link");
  ASSERT_EQ(z_links.size(), 1u);
  EXPECT_NE(bangban::ToHex(z_links[0].body()["pseudonym"].get_binary()), pseudonym_of["A-1"])
      << "pseudonyms are per county: Z's key is not Y's";
  EXPECT_EQ(RecordsOfType("C", "applicant.link").size(), 4u) << "the city stores every county's links";

  // The city holds no pseudonym key and refuses to link; a `link` at a running county hub is
  // handed to its daemon and finds nothing left to link.
  cli::Result city_link = Hub({"link", "--data", "C", "--json"});
  EXPECT_EQ(city_link.exit_code, 1) << city_link.Describe();
  EXPECT_NE(city_link.err.find("not_custodian"), std::string::npos) << city_link.Describe();
  EXPECT_NE(city_link.err.find("holds no pseudonym key"), std::string::npos) << city_link.Describe();
  EXPECT_FALSE(fs::exists(Path("C/pseudonym.key")));
  json again = RunJson({"link", "--data", "Y", "--json"});
  EXPECT_EQ(again["linked"], 0) << again.dump();
  EXPECT_EQ(again["caught_up"], true) << again.dump();
  EXPECT_EQ(RecordsOfType("Y", "applicant.link").size(), 3u) << "a submit is never linked twice";

  // Figures: Y has 2 distinct applicants among 3 applications and one likely duplicate; Z has 1;
  // the city sums the counties (3), since P1 is a different pseudonym in each county.
  json y = Applicants("Y");
  EXPECT_EQ(y["linked"], 3) << y.dump();
  EXPECT_EQ(y["distinct"], 2) << y.dump();
  EXPECT_EQ(y["duplicate_window_days"], 30) << y.dump();
  EXPECT_EQ(DuplicatePairs(y), (std::set<std::string>{"A-1@YH-001+B-1@YH-002"})) << y.dump();
  cli::Result audit = Hub({"audit", "--data", "Y"});
  EXPECT_EQ(audit.exit_code, 0) << "a flag does not fail the audit\n" << audit.Describe();
  EXPECT_NE(audit.out.find("flag: applicants: likely duplicate: '盐湖区张三小吃店'"), std::string::npos) << audit.out;
  json city = Oversight("C");
  std::map<std::string, int> by_county;
  for (const json& c : city["counties"]) by_county[c["county"].get<std::string>()] = c["distinct_applicants"];
  EXPECT_EQ(by_county[kCounty], 2) << city.dump();
  EXPECT_EQ(by_county[kOtherCounty], 1) << city.dump();
  EXPECT_EQ(city["total"]["distinct_applicants"], 3) << city.dump();
  json county = Oversight("Y");
  ASSERT_EQ(county["counties"].size(), 1u) << county.dump();
  EXPECT_EQ(county["counties"][0]["distinct_applicants"], 2) << county.dump();
  // The city recomputes the same figures from the replicated links alone.
  json at_city = Applicants("C");
  EXPECT_EQ(at_city["distinct"], 3) << at_city.dump();
  EXPECT_EQ(DuplicatePairs(at_city), (std::set<std::string>{"A-1@YH-001+B-1@YH-002"})) << at_city.dump();
  json county_sla = RunJson({"report", "county-sla", "--data", "C", "--county", kCounty, "--json"});
  EXPECT_EQ(county_sla["applicants"], y) << county_sla.dump();

  for (const auto& d : daemons_) EXPECT_EQ(d->Stop(), 0) << d->Log();
  for (const auto& d : daemons_) {
    for (const Person& p : {kP1, kP2}) EXPECT_EQ(d->Log().find(p.id_number), std::string::npos) << d->name();
  }
  ASSERT_NO_FATAL_FAILURE(ExpectNoClearValues("C", {kP1, kP2}));

  // reindex reproduces every figure, from the records alone.
  for (const std::string dir : {"Y", "C"}) {
    const json applicants = Applicants(dir), oversight = Oversight(dir);
    cli::Result reindex = Hub({"reindex", "--data", dir});
    ASSERT_EQ(reindex.exit_code, 0) << reindex.Describe();
    EXPECT_EQ(Applicants(dir), applicants) << dir;
    json after = Oversight(dir);
    EXPECT_EQ(after["counties"], oversight["counties"]) << dir;
    EXPECT_EQ(after.value("total", json()), oversight.value("total", json())) << dir;  // the city's only
  }
  ExpectAuditClean("Y");
  ExpectAuditClean("C");
}

TEST_F(ApplicantLinksTest, AKill9WhileLinkingLosesAndDuplicatesNothingAndLinkFinishesTheRest) {
  constexpr size_t kApps = 3000;
  const std::string county_key = InitCounty("Y");
  const std::string node_key = InitNode("N", "YH-001", county_key, Loopback(FreePort()));
  EnrollOutlet("Y", node_key, "YH-001");
  ASSERT_EQ(Submit("N", AppLines("K", 1, kApps)).size(), kApps);
  cli::Result exported = Node({"export", "--data", "N", "--out", "n.bundle"});
  ASSERT_EQ(exported.exit_code, 0) << exported.Describe();
  cli::Result imported = Hub({"import", "--data", "Y", "n.bundle"});
  ASSERT_EQ(imported.exit_code, 0) << imported.Describe();
  const uint64_t before = Head("Y", county_key);

  // The daemon links a bounded batch per second; kill -9 it once the first batch is durable.
  Daemon& hub = StartHub("Y", FreePort());
  ASSERT_TRUE(WaitFor([&] { return Head("Y", county_key) > before; }, seconds(60), std::chrono::milliseconds(20)))
      << Logs();
  hub.Kill9();
  const uint64_t at_kill = Head("Y", county_key);
  ASSERT_LT(at_kill, before + kApps) << "everything was linked before the kill: it came too late to test anything";

  // `link` (no daemon now) takes up from the durable cursor and links the rest.
  json rest = RunJson({"link", "--data", "Y", "--json"});
  EXPECT_EQ(rest["caught_up"], true) << rest.dump();
  EXPECT_EQ(rest["unopenable"], 0) << rest.dump();
  EXPECT_EQ(rest["linked"].get<uint64_t>(), before + kApps - at_kill) << rest.dump();
  json none = RunJson({"link", "--data", "Y", "--json"});
  EXPECT_EQ(none["linked"], 0) << none.dump();

  // Exactly one link per app.submit.
  std::set<std::string> submits, linked;
  size_t links = 0;
  for (const bangban::Record& r : HubRecordsExported("Y")) {
    if (r.type() == "app.submit") submits.insert(bangban::ToHex(r.id()));
    if (r.type() != "applicant.link") continue;
    ++links;
    EXPECT_TRUE(linked.insert(bangban::ToHex(r.body()["submit"].get_binary())).second) << "a submit linked twice";
  }
  EXPECT_EQ(submits.size(), kApps);
  EXPECT_EQ(links, kApps);
  EXPECT_EQ(linked, submits);
  json figures = Applicants("Y");
  EXPECT_EQ(figures["linked"], kApps) << figures.dump();
  EXPECT_EQ(figures["distinct"], 1) << "AppLines files every application for one person";
  EXPECT_TRUE(figures["likely_duplicates"].empty()) << "one outlet: no duplicate across outlets";
  ExpectAuditClean("Y");
}

TEST_F(ApplicantLinksTest, TheDuplicateFlagNeedsOnePersonOneEntityNameTwoOutletsAndTheWindow) {
  const std::string county_key = InitCounty("Y", "", "", /*simulation=*/true);
  const int port = FreePort();
  StartHub("Y", port);
  const std::string n_key = InitSimulationNode("N", "YH-001", county_key, port);
  const std::string m_key = InitSimulationNode("M", "YH-002", county_key, port);
  EnrollOutlet("Y", n_key, "YH-001");
  EnrollOutlet("Y", m_key, "YH-002");
  const uint64_t before = Head("Y", county_key);

  // 运城张记商行: P1 at both outlets 18 days apart (the second name with a trailing ideographic
  // space, which the comparison trims). 运城李记商行: P2 and P3, the same day. 运城王记商行: P1 at
  // both outlets 44 days apart. 运城赵记商行: P1 twice at one outlet.
  ASSERT_NO_FATAL_FAILURE(SubmitAt(
      "N",
      Application("A-1", "运城张记商行", kP1).dump() + "\n" + Application("A-2", "运城李记商行", kP2).dump() + "\n" +
          Application("A-3", "运城王记商行", kP1).dump() + "\n" + Application("A-4", "运城赵记商行", kP1).dump() +
          "\n" + Application("A-5", "运城赵记商行", kP1).dump() + "\n",
      "2026-03-02T09:00:00+08:00"));
  ASSERT_NO_FATAL_FAILURE(SubmitAt("M",
                                   Application("B-1", "运城张记商行\u3000", kP1).dump() + "\n" +
                                       Application("B-2", "运城李记商行", kP3).dump() + "\n",
                                   "2026-03-20T09:00:00+08:00"));
  ASSERT_NO_FATAL_FAILURE(
      SubmitAt("M", Application("B-3", "运城王记商行", kP1).dump() + "\n", "2026-04-15T09:00:00+08:00"));
  ASSERT_NO_FATAL_FAILURE(SyncNode("N"));
  ASSERT_NO_FATAL_FAILURE(SyncNode("M"));
  ASSERT_TRUE(WaitForHead("Y", county_key, before + 8)) << Logs();

  json figures = Applicants("Y");
  EXPECT_EQ(figures["linked"], 8) << figures.dump();
  EXPECT_EQ(figures["distinct"], 3) << figures.dump();
  EXPECT_EQ(DuplicatePairs(figures), (std::set<std::string>{"A-1@YH-001+B-1@YH-002"})) << figures.dump();
  ASSERT_EQ(figures["likely_duplicates"].size(), 1u);
  EXPECT_EQ(figures["likely_duplicates"][0]["entity_name"], "运城张记商行") << figures.dump();

  // A longer window takes in the filing 44 days apart.
  std::string toml = cli::ReadFile(Path("Y/hub.toml"));
  const std::string setting = "duplicate_window_days = 30";
  ASSERT_NE(toml.find(setting), std::string::npos) << toml;
  toml.replace(toml.find(setting), setting.size(), "duplicate_window_days = 60");
  cli::WriteFile(Path("Y/hub.toml"), toml);
  figures = Applicants("Y");
  EXPECT_EQ(DuplicatePairs(figures), (std::set<std::string>{"A-1@YH-001+B-1@YH-002", "A-3@YH-001+B-3@YH-002"}))
      << figures.dump();
  cli::Result audit = Hub({"audit", "--data", "Y"});
  EXPECT_EQ(audit.exit_code, 0) << audit.Describe();
  size_t flags = 0;
  for (const std::string& line : cli::Lines(audit.out)) flags += line.starts_with("flag: applicants: likely duplicate");
  EXPECT_EQ(flags, 2u) << audit.out;

  // A window that is not a number of days is refused, naming the field.
  toml.replace(toml.find("duplicate_window_days = 60"), std::string("duplicate_window_days = 60").size(),
               "duplicate_window_days = 0");
  cli::WriteFile(Path("Y/hub.toml"), toml);
  cli::Result refused = Hub({"report", "sla", "--data", "Y", "--json"});
  EXPECT_NE(refused.exit_code, 0) << refused.Describe();
  EXPECT_NE(refused.err.find("applicants.duplicate_window_days"), std::string::npos) << refused.Describe();
}

}  // namespace
