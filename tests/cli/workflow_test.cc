// Command-line workflow tests: the real bangban-node and bangban-hub executables, run as child
// processes in a fresh temporary directory per test, with BANGBAN_NOW fixed.
//
// They cover the whole path an application takes (outlet node -> carrying node -> county hub),
// that no personal data reaches any file at rest, that bad input changes nothing, the exit-code
// contract (0 ok, 1 error, 2 usage), and what the hub does with unknown authors, damaged or
// truncated bundles, forks, and a store altered behind its back.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "protocol/clock.h"
#include "protocol/record.h"
#include "storage/bundle.h"  // to cut bundles into parts (file format tool), and to carry a crafted record
#include "storage/lmdb.h"
#include "tests/cli/cli_process.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kIdNumber = "11010519491231002X";     // a valid GB 11643 number
constexpr const char* kBadIdNumber = "110105194912310021";  // same, wrong check digit
constexpr const char* kName = "张三明";
constexpr const char* kMaskedName = "张*明";
constexpr const char* kEntityName = "盐湖区张三小吃店";
constexpr const char* kComplaintText = "窗口工作人员收了我两百元材料费还说不收就不给办";
constexpr const char* kUscc = "91350100M000100Y43";
constexpr const char* kCounty = "140802";

json AppSubmit(const std::string& app_id, const std::string& entity_name = kEntityName,
               const std::string& id_number = kIdNumber, int64_t fee_cents = 0) {
  return {{"type", "app.submit"},       {"app_id", app_id},
          {"kind", "establish"},        {"entity_type", "individual"},
          {"entity_name", entity_name}, {"applicant", {{"id_number", id_number}, {"name", kName}}},
          {"realname_verified", true},  {"channel", "outlet"},
          {"fee_cents", fee_cents},     {"helper", "李四"},
          {"materials", {"id_card"}}};
}

// One valid line of every other type an outlet writes.
std::vector<json> OtherOutletRecords(const std::string& outlet_id) {
  return {
      {{"type", "outlet.profile"},
       {"outlet_id", outlet_id},
       {"name", "中国农业银行运城盐湖支行便民网点"},
       {"kind", "bank_branch"},
       {"county", kCounty},
       {"township", "北城街道"},
       {"address", "运城市盐湖区解放路1号"},
       {"phone", "0359-2000000"},
       {"hours", "周一至周五 08:30-17:30"},
       {"services", {"establish", "change", "annual_report"}},
       {"six_haves",
        {{"sign", true}, {"computer", true}, {"staff", true}, {"guide", true}, {"phone", true}, {"publicity", true}}}},
      {{"type", "outlet.training"},
       {"outlet_id", outlet_id},
       {"staff", "李四"},
       {"course", "个体工商户设立登记"},
       {"hours", 4}},
      {{"type", "finance.referral"}, {"outlet_id", outlet_id}, {"kind", "account_opening"}, {"bank", "中国农业银行"}},
      {{"type", "annual.remind"}, {"uscc", kUscc}, {"outlet_id", outlet_id}, {"year", 2025}, {"channel", "sms"}},
      {{"type", "feedback.rating"}, {"app_id", "B-0001"}, {"score", 5}},
      {{"type", "complaint.file"}, {"outlet_id", outlet_id}, {"category", "fee_charged"}, {"text", kComplaintText}},
  };
}

std::string JsonLines(const std::vector<json>& lines) {
  std::string out;
  for (const json& j : lines) out += j.dump() + "\n";
  return out;
}

// The counts an import prints: "accepted N, duplicate N, buffered N, forks N, rejected N".
struct ImportCounts {
  long accepted = -1, duplicate = -1, buffered = -1, forks = -1, rejected = -1;
};

ImportCounts ParseImport(const std::string& out) {
  auto number = [&](const std::string& word) -> long {
    std::smatch m;
    if (std::regex_search(out, m, std::regex("\\b" + word + " ([0-9]+)"))) return std::stol(m[1]);
    return -1;
  };
  return {number("accepted"), number("duplicate"), number("buffered"), number("forks"), number("rejected")};
}

std::vector<std::string> Ids(const std::string& out) {
  std::vector<std::string> ids;
  for (const std::string& line : cli::Lines(out)) {
    if (!line.empty()) ids.push_back(line);
  }
  return ids;
}

// Frames of a bundle file: {offset of the length prefix, payload length}. Stops at the end
// marker or at anything unreadable (the file written by export is well-formed).
std::vector<std::pair<size_t, size_t>> BundleFrames(const std::string& data) {
  static const std::string kMagic = "bangban-bundle v1\n";
  std::vector<std::pair<size_t, size_t>> frames;
  if (data.compare(0, kMagic.size(), kMagic) != 0) return frames;
  size_t pos = kMagic.size();
  while (pos + 4 <= data.size()) {
    auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(data[pos + i])); };
    uint32_t length = b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
    if (length == 0 || pos + 4 + length > data.size()) break;
    frames.emplace_back(pos, length);
    pos += 4 + length;
  }
  return frames;
}

std::vector<size_t> FindAll(const std::string& haystack, const std::string& needle) {
  std::vector<size_t> at;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) {
    at.push_back(pos);
  }
  return at;
}

class CliTest : public ::testing::Test {
 protected:
  cli::Result Node(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), cli::kNodeBin);
    return cli::Run(args, stdin_text, {}, tmp_.path());
  }
  cli::Result Hub(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), cli::kHubBin);
    return cli::Run(args, stdin_text, {}, tmp_.path());
  }
  fs::path Path(const std::string& name) const { return tmp_.path() / name; }
  std::string Write(const std::string& name, const std::string& text) {
    cli::WriteFile(Path(name), text);
    return name;
  }

  // `bangban-hub init`: returns the hub's public key (64 hex).
  std::string InitHub(const std::string& dir = "H") {
    cli::Result r = Hub({"init", "--data", dir, "--role", "county", "--name", "盐湖区行政审批服务管理局", "--county",
                         kCounty, "--simulation"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::string key = r.out.substr(0, r.out.find('\n'));
    EXPECT_TRUE(cli::IsHex64(key)) << "hub key: '" << key << "'\n" << r.Describe();
    sealing_keys_[key] = cli::SealingKeyFromInit(r.err);  // for its nodes' init
    return key;
  }

  // `bangban-node init`: returns the node's public key (64 hex).
  std::string InitNode(const std::string& dir, const std::string& outlet, const std::string& hub_key,
                       const std::string& key_file = "", bool replacing = false) {
    std::vector<std::string> args = {"init",  "--data",       dir,     "--outlet",    outlet, "--county",
                                     kCounty, "--county-key", hub_key, "--simulation"};
    if (!key_file.empty()) {
      args.push_back("--key");
      args.push_back(key_file);
    }
    if (replacing) args.push_back("--replacing");
    if (auto sealing = sealing_keys_.find(hub_key); sealing != sealing_keys_.end()) {
      args.insert(args.end(), {"--sealing-key", sealing->second});
    }
    cli::Result r = Node(args);
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    std::string key = r.out.substr(0, r.out.find('\n'));
    EXPECT_TRUE(cli::IsHex64(key)) << "node key: '" << key << "'\n" << r.Describe();
    return key;
  }

  void Enroll(const std::string& hub_dir, const std::string& node_key, const std::string& outlet) {
    cli::Result r = Hub(
        {"enroll", "--data", hub_dir, "--key", node_key, "--role", "outlet", "--name", "网点", "--outlet-id", outlet});
    ASSERT_EQ(r.exit_code, 0) << r.Describe();
    ASSERT_TRUE(cli::IsHex64(r.out.substr(0, r.out.find('\n')))) << r.Describe();
  }

  // Submits lines, expects success; returns the printed ids.
  std::vector<std::string> Submit(const std::string& dir, const std::vector<json>& lines,
                                  const std::string& file_name) {
    Write(file_name, JsonLines(lines));
    cli::Result r = Node({"submit", "--data", dir, file_name});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return Ids(r.out);
  }

  json NodeStatus(const std::string& dir) {
    cli::Result r = Node({"status", "--data", dir, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }
  json HubStatus(const std::string& dir) {
    cli::Result r = Hub({"status", "--data", dir, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.Describe();
    return json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  }
  long HubRecords(const std::string& dir) {
    json s = HubStatus(dir);
    return s.is_object() && s.contains("records") ? s["records"].get<long>() : -1;
  }

  // A hub "H" with one enrolled node "N" (outlet YH-001) that has submitted `count` app.submit
  // records, all exported to "n.bundle".
  struct Simple {
    std::string hub_key, node_key;
    std::vector<std::string> ids;
  };
  Simple SimpleNetwork(int count, const std::string& entity_name_prefix = "盐湖区小店") {
    Simple s;
    s.hub_key = InitHub("H");
    s.node_key = InitNode("N", "YH-001", s.hub_key);
    Enroll("H", s.node_key, "YH-001");
    std::vector<json> lines;
    for (int i = 1; i <= count; ++i) {
      char app_id[16];
      std::snprintf(app_id, sizeof app_id, "S-%04d", i);
      lines.push_back(AppSubmit(app_id, entity_name_prefix + std::to_string(i)));
    }
    s.ids = Submit("N", lines, "simple.jsonl");
    EXPECT_EQ(s.ids.size(), static_cast<size_t>(count));
    cli::Result e = Node({"export", "--data", "N", "--out", "n.bundle"});
    EXPECT_EQ(e.exit_code, 0) << e.Describe();
    return s;
  }

  // The whole path: hub H; nodes N1 (50 applications) and N2 (one of every other type, plus
  // two applications); N2 carries N1's bundle; the hub imports N2's bundle with both feeds.
  void RunFullPath() {
    hub_key_ = InitHub("H");
    ASSERT_TRUE(cli::IsHex64(hub_key_));
    n1_key_ = InitNode("N1", "YH-001", hub_key_);
    n2_key_ = InitNode("N2", "YH-002", hub_key_);
    ASSERT_TRUE(cli::IsHex64(n1_key_));
    ASSERT_TRUE(cli::IsHex64(n2_key_));
    ASSERT_NE(n1_key_, n2_key_);
    ASSERT_NO_FATAL_FAILURE(Enroll("H", n1_key_, "YH-001"));
    ASSERT_NO_FATAL_FAILURE(Enroll("H", n2_key_, "YH-002"));
    long hub_records_before = HubRecords("H");

    // N1: 50 applications, 50 distinct ids.
    std::vector<json> n1_lines;
    for (int i = 1; i <= 50; ++i) {
      char app_id[16];
      std::snprintf(app_id, sizeof app_id, "A-%04d", i);
      n1_lines.push_back(AppSubmit(app_id, i == 1 ? std::string(kEntityName) : "盐湖区商户" + std::to_string(i)));
    }
    std::vector<std::string> n1_ids = Submit("N1", n1_lines, "n1.jsonl");
    ASSERT_EQ(n1_ids.size(), 50u);
    for (const std::string& id : n1_ids) EXPECT_TRUE(cli::IsHex64(id)) << "not an id: '" << id << "'";
    EXPECT_EQ(std::set<std::string>(n1_ids.begin(), n1_ids.end()).size(), 50u) << "ids are not distinct";

    // N2: its own records.
    std::vector<json> n2_lines = OtherOutletRecords("YH-002");
    n2_lines.push_back(AppSubmit("B-0001", "盐湖区李记面馆"));
    n2_lines.push_back(AppSubmit("B-0002", "盐湖区王家裁缝铺"));
    std::vector<std::string> n2_ids = Submit("N2", n2_lines, "n2.jsonl");
    ASSERT_EQ(n2_ids.size(), n2_lines.size());

    // N1 -> bundle -> N2 (carry) -> bundle with both feeds -> hub.
    cli::Result e1 = Node({"export", "--data", "N1", "--out", "b1.bundle"});
    ASSERT_EQ(e1.exit_code, 0) << e1.Describe();
    EXPECT_NE(e1.out.find("50"), std::string::npos) << e1.Describe();
    cli::Result carry = Node({"import", "--data", "N2", "b1.bundle"});
    ASSERT_EQ(carry.exit_code, 0) << carry.Describe();
    EXPECT_EQ(ParseImport(carry.out).accepted, 50) << carry.Describe();
    json n2_status = NodeStatus("N2");
    EXPECT_EQ(n2_status["feeds_held"], 2) << n2_status.dump(2);
    EXPECT_EQ(n2_status["records_held"], 50 + n2_lines.size()) << n2_status.dump(2);
    EXPECT_EQ(n2_status["feed"]["seq"], n2_lines.size()) << n2_status.dump(2);

    cli::Result e2 = Node({"export", "--data", "N2", "--out", "b2.bundle"});
    ASSERT_EQ(e2.exit_code, 0) << e2.Describe();
    EXPECT_NE(e2.out.find(std::to_string(50 + n2_lines.size())), std::string::npos) << e2.Describe();
    EXPECT_EQ(BundleFrames(cli::ReadFile(Path("b2.bundle"))).size(), 50 + n2_lines.size());

    cli::Result imp = Hub({"import", "--data", "H", "b2.bundle"});
    ASSERT_EQ(imp.exit_code, 0) << imp.Describe();
    ImportCounts counts = ParseImport(imp.out);
    EXPECT_EQ(counts.accepted, static_cast<long>(50 + n2_lines.size())) << imp.Describe();
    EXPECT_EQ(counts.duplicate, 0) << imp.Describe();
    EXPECT_EQ(counts.buffered, 0) << imp.Describe();
    EXPECT_EQ(counts.forks, 0) << imp.Describe();
    EXPECT_EQ(counts.rejected, 0) << imp.Describe();
    json hub_status = HubStatus("H");
    EXPECT_EQ(hub_status["records"].get<long>(), hub_records_before + 50 + static_cast<long>(n2_lines.size()))
        << hub_status.dump(2);
    EXPECT_EQ(hub_status["feeds"], 3) << hub_status.dump(2);  // the hub's own, N1's, N2's

    cli::Result audit = Hub({"audit", "--data", "H"});
    EXPECT_EQ(audit.exit_code, 0) << audit.Describe();

    // The same bundle again: all duplicates, nothing new, still a success.
    cli::Result again = Hub({"import", "--data", "H", "b2.bundle"});
    EXPECT_EQ(again.exit_code, 0) << again.Describe();
    EXPECT_EQ(ParseImport(again.out).accepted, 0) << again.Describe();
    EXPECT_EQ(ParseImport(again.out).duplicate, static_cast<long>(50 + n2_lines.size())) << again.Describe();

    cli::Result st = Node({"status", "--data", "N1", "--json"});
    ASSERT_EQ(st.exit_code, 0) << st.Describe();
    json n1_status = json::parse(st.out, nullptr, false);
    ASSERT_FALSE(n1_status.is_discarded()) << "status --json is not one JSON document:\n" << st.out;
    EXPECT_EQ(n1_status["feed"]["seq"], 50) << st.out;
    EXPECT_EQ(n1_status["feed"]["head"], n1_ids.back()) << st.out;
    EXPECT_EQ(n1_status["key"], n1_key_) << st.out;
    EXPECT_EQ(n1_status["outlet_id"], "YH-001") << st.out;
    ASSERT_TRUE(n1_status["applications"].is_array()) << st.out;
    EXPECT_EQ(n1_status["applications"].size(), 50u) << st.out;
    std::set<std::string> app_ids;
    for (const json& a : n1_status["applications"]) app_ids.insert(a.value("app_id", ""));
    EXPECT_EQ(app_ids.size(), 50u);
    EXPECT_TRUE(app_ids.count("A-0001") && app_ids.count("A-0050"));
  }

  cli::TempDir tmp_;
  std::string hub_key_, n1_key_, n2_key_;
  std::map<std::string, std::string> sealing_keys_;  // hub key -> its sealing key at init, PERIOD:HEX
};

// ---- the whole path -----------------------------------------------------------------------

TEST_F(CliTest, FullPathFromOutletThroughCarrierToHub) { ASSERT_NO_FATAL_FAILURE(RunFullPath()); }

TEST_F(CliTest, NoPersonalDataAtRestInAnyDataDir) {
  ASSERT_NO_FATAL_FAILURE(RunFullPath());
  const std::vector<std::string> secrets = {kIdNumber, kName, kComplaintText};
  size_t files = 0;
  bool masked_seen = false, entity_seen_in_mdb = false;
  for (const std::string dir : {"N1", "N2", "H"}) {
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(Path(dir))) {
      if (!entry.is_regular_file()) continue;
      ++files;
      std::string bytes = cli::ReadFile(entry.path());
      for (const std::string& secret : secrets) {
        EXPECT_EQ(bytes.find(secret), std::string::npos)
            << "personal data '" << secret << "' found in " << entry.path() << " at byte " << bytes.find(secret);
      }
      masked_seen = masked_seen || bytes.find(kMaskedName) != std::string::npos;
      if (entry.path().filename() == "data.mdb") {
        entity_seen_in_mdb = entity_seen_in_mdb || bytes.find(kEntityName) != std::string::npos;
      }
    }
  }
  // Bundles travel on USB sticks: they hold only sealed data too.
  for (const std::string bundle : {"b1.bundle", "b2.bundle"}) {
    std::string bytes = cli::ReadFile(Path(bundle));
    for (const std::string& secret : secrets) {
      EXPECT_EQ(bytes.find(secret), std::string::npos) << "personal data '" << secret << "' found in " << bundle;
    }
  }
  // Identity keys are owner-only; data dirs too.
  for (const std::string dir : {"N1", "N2", "H"}) {
    struct stat st {};
    ASSERT_EQ(::stat(Path(dir).c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << dir << " is open to group or others";
    ASSERT_EQ(::stat((Path(dir) / "identity.key").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << dir << "/identity.key";
  }
  EXPECT_GE(files, 6u);
  // Controls: the scan does see record text in the LMDB files (they are not compressed or
  // encrypted, so an absent secret is really absent), and the masked name is what is kept.
  EXPECT_TRUE(entity_seen_in_mdb) << "the scan never saw the entity name in data.mdb";
  EXPECT_TRUE(masked_seen) << "the masked name 张*明 was not found anywhere";
}

// ---- bad input ----------------------------------------------------------------------------

TEST_F(CliTest, BadLinesAreNamedAndNothingIsStored) {
  std::string hub_key = InitHub("H");
  InitNode("N", "YH-001", hub_key);
  std::vector<std::string> first =
      Submit("N", {AppSubmit("A-0001"), AppSubmit("A-0002"), AppSubmit("A-0003")}, "ok.jsonl");
  ASSERT_EQ(first.size(), 3u);

  json not_ours = {{"type", "review.approve"}, {"app_id", "A-0001"}, {"reviewer", "王审核"}};
  json unknown = AppSubmit("A-0106");
  unknown["type"] = "app.teleport";
  std::string text;
  text += AppSubmit("A-0101").dump() + "\n";                                // 1 ok
  text += "{\"type\":\"app.submit\",\"app_id\":\"A-0102\",\n";              // 2 not JSON
  text += AppSubmit("A-0103", kEntityName, kBadIdNumber).dump() + "\n";     // 3 bad check digit
  text += OtherOutletRecords("YH-001")[4].dump() + "\n";                    // 4 ok
  text += AppSubmit("A-0105", kEntityName, kIdNumber, -100).dump() + "\n";  // 5 negative fee
  text += unknown.dump() + "\n";                                            // 6 unknown type
  text += not_ours.dump() + "\n";                                           // 7 hub-only type
  text += OtherOutletRecords("YH-001")[5].dump() + "\n";                    // 8 ok
  text += "\n";                                                             // 9 blank
  text += AppSubmit("A-0110").dump() + "\n";                                // 10 ok
  Write("bad.jsonl", text);

  for (const bool from_stdin : {false, true}) {
    SCOPED_TRACE(from_stdin ? "from stdin" : "from a file");
    cli::Result r =
        from_stdin ? Node({"submit", "--data", "N", "-"}, text) : Node({"submit", "--data", "N", "bad.jsonl"});
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    for (int bad : {2, 3, 5, 6, 7}) {
      EXPECT_NE(r.err.find("line " + std::to_string(bad) + ":"), std::string::npos) << "line " << bad << " not named\n"
                                                                                    << r.Describe();
    }
    for (int good : {1, 4, 8, 9, 10}) {
      EXPECT_EQ(r.err.find("line " + std::to_string(good) + ":"), std::string::npos)
          << "good line " << good << " named as bad\n"
          << r.Describe();
    }
    EXPECT_EQ(r.out.find_first_not_of(" \n"), std::string::npos) << "ids printed although nothing may be stored\n"
                                                                 << r.Describe();
    // Messages name the field, never repeat the ID number.
    EXPECT_NE(r.err.find("fee_cents"), std::string::npos) << r.Describe();
    EXPECT_NE(r.err.find("id_number"), std::string::npos) << r.Describe();
    EXPECT_EQ(r.err.find(kBadIdNumber), std::string::npos) << "the ID number was echoed\n" << r.Describe();
    EXPECT_EQ(r.err.find(kName), std::string::npos) << "the applicant's name was echoed\n" << r.Describe();

    json status = NodeStatus("N");
    EXPECT_EQ(status["feed"]["seq"], 3) << status.dump(2);
    EXPECT_EQ(status["feed"]["head"], first.back()) << status.dump(2);
    EXPECT_EQ(status["records_held"], 3) << status.dump(2);
    EXPECT_EQ(status["applications"].size(), 3u) << status.dump(2);
  }
}

struct BadLineCase {
  const char* name;
  std::string line;
  const char* mentions;  // a word the message must contain
};

class BadLineTest : public CliTest, public ::testing::WithParamInterface<BadLineCase> {};

TEST_P(BadLineTest, OneBadLineAmongGoodOnesRejectsTheWholeFile) {
  std::string hub_key = InitHub("H");
  InitNode("N", "YH-001", hub_key);
  ASSERT_EQ(Submit("N", {AppSubmit("A-0001")}, "ok.jsonl").size(), 1u);
  std::string text = AppSubmit("A-0002").dump() + "\n" + OtherOutletRecords("YH-001")[2].dump() + "\n" +
                     GetParam().line + "\n" + AppSubmit("A-0004").dump() + "\n";
  Write("in.jsonl", text);
  cli::Result r = Node({"submit", "--data", "N", "in.jsonl"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.err.find("line 3:"), std::string::npos) << r.Describe();
  EXPECT_EQ(r.err.find("line 1:"), std::string::npos) << r.Describe();
  EXPECT_EQ(r.err.find("line 4:"), std::string::npos) << r.Describe();
  EXPECT_NE(r.err.find(GetParam().mentions), std::string::npos) << r.Describe();
  EXPECT_EQ(r.out.find_first_not_of(" \n"), std::string::npos) << r.Describe();
  json status = NodeStatus("N");
  EXPECT_EQ(status["feed"]["seq"], 1) << status.dump(2);
  EXPECT_EQ(status["records_held"], 1) << status.dump(2);
}

BadLineCase Case(const char* name, json line, const char* mentions) { return {name, line.dump(), mentions}; }
json WithField(json j, const std::string& key, json value) {
  j[key] = std::move(value);
  return j;
}
// The JSON text of `j` with `extra` (e.g. `"fee_cents": 500`) appended as a further member.
std::string WithMember(const json& j, const std::string& extra) {
  std::string text = j.dump();
  return text.substr(0, text.size() - 1) + ", " + extra + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Lines, BadLineTest,
    ::testing::Values(
        BadLineCase{"not_json", "{\"type\": \"app.submit\", \"app_id\": ", "JSON"},
        BadLineCase{"not_an_object", "[1, 2, 3]", "object"},
        // A second key must not silently win: the helper typed a fee of 0, a script added 500.
        BadLineCase{"duplicate_fee", WithMember(AppSubmit("A-0003"), "\"fee_cents\": 500"),
                    "\"fee_cents\" appears twice"},
        BadLineCase{"duplicate_type", WithMember(AppSubmit("A-0003"), "\"type\": \"feedback.rating\""),
                    "\"type\" appears twice"},
        BadLineCase{"fee_out_of_range", WithMember(json{{"type", "app.submit"}}, "\"fee_cents\": 1e400"), "1e400"},
        BadLineCase{"deep_nesting", std::string(100000, '[') + std::string(100000, ']'), "nested deeper"},
        Case("bad_id_check_digit", AppSubmit("A-0003", kEntityName, kBadIdNumber), "id_number"),
        Case("negative_fee", AppSubmit("A-0003", kEntityName, kIdNumber, -1), "fee_cents"),
        Case("unknown_type", WithField(AppSubmit("A-0003"), "type", "app.teleport"), "app.teleport"),
        Case("missing_type", json{{"app_id", "A-0003"}, {"score", 3}}, "type"),
        Case("review_at_node", json({{"type", "review.approve"}, {"app_id", "A-0001"}, {"reviewer", "王审核"}}),
             "review.approve"),
        Case("not_realname_verified", WithField(AppSubmit("A-0003"), "realname_verified", false), "realname_verified"),
        Case("score_out_of_range", json({{"type", "feedback.rating"}, {"app_id", "A-0001"}, {"score", 9}}), "score"),
        Case("bad_uscc",
             json({{"type", "annual.remind"},
                   {"uscc", "91350100M000100Y44"},
                   {"outlet_id", "YH-001"},
                   {"year", 2025},
                   {"channel", "sms"}}),
             "uscc"),
        Case("complaint_without_text",
             json({{"type", "complaint.file"}, {"outlet_id", "YH-001"}, {"category", "slow"}}), "text")),
    [](const ::testing::TestParamInfo<BadLineCase>& info) { return std::string(info.param.name); });

// ---- exit codes -----------------------------------------------------------------------------

TEST_F(CliTest, UsageErrorsExit2) {
  const std::vector<std::vector<std::string>> node_usage = {
      {},
      {"bogus"},
      {"submit", "in.jsonl"},  // no --data
      {"status"},
      {"export", "--out", "b"},
      {"import", "b"},
      {"init", "--outlet", "YH-001", "--county", kCounty},
      {"status", "--data", "N", "--no-such-flag"},
  };
  for (const auto& args : node_usage) {
    cli::Result r = Node(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << "bangban-node " << joined << "\n" << r.Describe();
    EXPECT_FALSE(r.err.empty()) << "bangban-node " << joined << ": no message\n" << r.Describe();
  }
  const std::vector<std::vector<std::string>> hub_usage = {
      {},
      {"bogus"},
      {"audit"},
      {"import", "b"},
      {"status"},
      {"enroll", "--key", std::string(64, 'a'), "--role", "outlet", "--name", "x"},
      {"init", "--data", "H", "--role", "province", "--name", "x", "--county", kCounty},
  };
  for (const auto& args : hub_usage) {
    cli::Result r = Hub(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << "bangban-hub " << joined << "\n" << r.Describe();
    EXPECT_FALSE(r.err.empty()) << "bangban-hub " << joined << ": no message\n" << r.Describe();
  }
  EXPECT_FALSE(fs::exists(Path("H"))) << "a refused usage created a data dir";
}

// Regression: a malformed option value is bad usage (docs/operations.md, exit codes: "exit ... 2 on bad
// usage"), and the code itself throws these as Error(ErrorCode::kUsage, ...) (node/main.cc --county-key,
// hub/main.cc ParseKey, node/outlet_node.cc --outlet/--county, hub/hub.cc --county and
// --outlet-id), but RunCommandLine in daemon/command_line.h maps every bangban::Error to
// kExitError (1) whatever its code(), so all of these exit 1 instead of 2.
TEST_F(CliTest, MalformedOptionValuesExit2) {
  std::string hub_key = InitHub("H");
  const std::vector<std::pair<const char*, std::vector<std::string>>> node_cases = {
      {"--county-key not hex",
       {"init", "--data", "N1", "--outlet", "YH-001", "--county", kCounty, "--county-key", "zz"}},
      {"--outlet with a space",
       {"init", "--data", "N2", "--outlet", "YH 001", "--county", kCounty, "--county-key", hub_key}},
      {"--county not six digits",
       {"init", "--data", "N3", "--outlet", "YH-001", "--county", "14", "--county-key", hub_key}},
  };
  for (const auto& [what, args] : node_cases) {
    cli::Result r = Node(args);
    EXPECT_EQ(r.exit_code, 2) << "bangban-node " << what << "\n" << r.Describe();
    EXPECT_FALSE(r.err.empty()) << what;
  }
  const std::vector<std::pair<const char*, std::vector<std::string>>> hub_cases = {
      {"enroll --key not hex",
       {"enroll", "--data", "H", "--key", "zz", "--role", "outlet", "--name", "x", "--outlet-id", "YH-001"}},
      {"enroll an outlet without --outlet-id",
       {"enroll", "--data", "H", "--key", hub_key, "--role", "outlet", "--name", "x"}},
      {"init --county not digits", {"init", "--data", "H2", "--role", "county", "--name", "x", "--county", "abc"}},
  };
  for (const auto& [what, args] : hub_cases) {
    cli::Result r = Hub(args);
    EXPECT_EQ(r.exit_code, 2) << "bangban-hub " << what << "\n" << r.Describe();
    EXPECT_FALSE(r.err.empty()) << what;
  }
  for (const char* dir : {"N1", "N2", "N3", "H2"}) {
    EXPECT_FALSE(fs::exists(Path(dir) / "identity.key")) << dir << ": refused init left an identity";
  }
  EXPECT_EQ(HubStatus("H")["enrolled"], 0) << "a refused enroll wrote a record";
}

TEST_F(CliTest, HelpExits0) {
  for (const char* sub : {"submit", "status", "export", "import", "init", "keygen"}) {
    cli::Result r = Node({sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub << "\n" << r.Describe();
    EXPECT_NE(r.out.find("--"), std::string::npos) << sub << "\n" << r.Describe();
  }
  for (const char* sub : {"init", "enroll", "import", "audit", "status", "export"}) {
    cli::Result r = Hub({sub, "--help"});
    EXPECT_EQ(r.exit_code, 0) << sub << "\n" << r.Describe();
  }
}

TEST_F(CliTest, StatusOnUninitialisedDirSaysToRunInit) {
  fs::create_directory(Path("empty"));
  for (const std::string dir : {"never", "empty"}) {
    cli::Result n = Node({"status", "--data", dir});
    EXPECT_EQ(n.exit_code, 1) << n.Describe();
    EXPECT_NE(n.err.find("init"), std::string::npos) << n.Describe();
    EXPECT_TRUE(n.out.empty()) << n.Describe();
    cli::Result h = Hub({"status", "--data", dir});
    EXPECT_EQ(h.exit_code, 1) << h.Describe();
    EXPECT_NE(h.err.find("init"), std::string::npos) << h.Describe();
    cli::Result s = Node({"submit", "--data", dir, "-"}, AppSubmit("A-1").dump() + "\n");
    EXPECT_EQ(s.exit_code, 1) << s.Describe();
    EXPECT_NE(s.err.find("init"), std::string::npos) << s.Describe();
  }
  EXPECT_FALSE(fs::exists(Path("never"))) << "a read-only command created the data dir";
  // A hub's dir is not a node's, and the other way round.
  InitHub("H");
  cli::Result wrong = Node({"status", "--data", "H"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.Describe();
  EXPECT_NE(wrong.err.find("init"), std::string::npos) << wrong.Describe();
}

TEST_F(CliTest, InitRefusesAnExistingDataDir) {
  std::string hub_key = InitHub("H");
  std::string node_key = InitNode("N", "YH-001", hub_key);
  ASSERT_EQ(Submit("N", {AppSubmit("A-0001")}, "ok.jsonl").size(), 1u);

  cli::Result again = Node({"init", "--data", "N", "--outlet", "YH-009", "--county", kCounty, "--county-key", hub_key});
  EXPECT_EQ(again.exit_code, 1) << again.Describe();
  EXPECT_FALSE(again.err.empty());
  cli::Result hub_again = Hub({"init", "--data", "H", "--role", "county", "--name", "x", "--county", kCounty});
  EXPECT_EQ(hub_again.exit_code, 1) << hub_again.Describe();
  EXPECT_FALSE(hub_again.err.empty());
  // Nothing changed: same identity, same outlet, same records.
  json status = NodeStatus("N");
  EXPECT_EQ(status["key"], node_key);
  EXPECT_EQ(status["outlet_id"], "YH-001");
  EXPECT_EQ(status["feed"]["seq"], 1);
  EXPECT_EQ(HubStatus("H")["key"], hub_key);
}

// Whoever can edit node.toml can set county_key to a key of their own and receive every
// applicant's clear ID number and name: a configuration or data dir that group or others can
// write is refused by every command that opens it, and nothing is stored.
TEST_F(CliTest, ConfigurationOrDataDirWritableByOthersIsRefused) {
  // A shell whose umask lets the group write (common on shared machines) still gets a data dir
  // that only its owner can change: the programs set their own umask.
  const mode_t shell_umask = ::umask(002);
  std::string hub_key = InitHub("H");
  InitNode("N", "YH-001", hub_key);
  ::umask(shell_umask);
  for (const fs::path& made : {Path("N") / "node.toml", Path("H") / "hub.toml", Path("N") / "store", Path("N")}) {
    struct stat st {};
    ASSERT_EQ(::stat(made.c_str(), &st), 0) << made;
    EXPECT_EQ(st.st_mode & 022, 0u) << made << " mode " << std::oct << (st.st_mode & 0777);
  }
  Write("one.jsonl", AppSubmit("A-0001").dump() + "\n");
  struct Case {
    fs::path path;
    mode_t unsafe, safe;
  };
  for (const Case& c : {Case{Path("N") / "node.toml", 0666, 0644}, Case{Path("N"), 0777, 0700},
                        Case{Path("N") / "node.toml", 0620, 0644}, Case{Path("H") / "hub.toml", 0646, 0644}}) {
    SCOPED_TRACE(c.path.string());
    ASSERT_EQ(::chmod(c.path.c_str(), c.unsafe), 0);
    const bool hub = c.path.string().find("hub.toml") != std::string::npos;
    cli::Result r = hub ? Hub({"status", "--data", "H"}) : Node({"submit", "--data", "N", "one.jsonl"});
    EXPECT_EQ(r.exit_code, 1) << r.Describe();
    EXPECT_NE(r.err.find("chmod go-w"), std::string::npos) << r.Describe();
    EXPECT_NE(r.err.find("group or others"), std::string::npos) << r.Describe();
    EXPECT_TRUE(r.out.empty()) << r.Describe();
    ASSERT_EQ(::chmod(c.path.c_str(), c.safe), 0);
  }
  EXPECT_EQ(NodeStatus("N")["feed"]["seq"], 0) << "a refused command stored something";
  EXPECT_EQ(Submit("N", {AppSubmit("A-0001")}, "again.jsonl").size(), 1u) << "refused once repaired";
}

TEST_F(CliTest, KeyFileReadableByOthersIsRefused) {
  std::string hub_key = InitHub("H");
  cli::Result kg = Node({"keygen", "--out", "k"});
  ASSERT_EQ(kg.exit_code, 0) << kg.Describe();
  std::string public_key = kg.out.substr(0, kg.out.find('\n'));
  ASSERT_TRUE(cli::IsHex64(public_key));
  struct stat st {};
  ASSERT_EQ(::stat(Path("k").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "keygen must create the key file with mode 0600";

  ASSERT_EQ(::chmod(Path("k").c_str(), 0644), 0);
  cli::Result n =
      Node({"init", "--data", "N", "--outlet", "YH-001", "--county", kCounty, "--county-key", hub_key, "--key", "k"});
  EXPECT_EQ(n.exit_code, 1) << n.Describe();
  EXPECT_NE(n.err.find("chmod 600"), std::string::npos) << n.Describe();
  EXPECT_TRUE(n.out.empty()) << n.Describe();
  cli::Result h = Hub({"init", "--data", "H2", "--role", "county", "--name", "x", "--county", kCounty, "--key", "k"});
  EXPECT_EQ(h.exit_code, 1) << h.Describe();
  EXPECT_NE(h.err.find("chmod 600"), std::string::npos) << h.Describe();

  // Fixed as told, the same command in the same dir works and uses that key.
  ASSERT_EQ(::chmod(Path("k").c_str(), 0600), 0);
  std::string node_key = InitNode("N", "YH-001", hub_key, "k");
  EXPECT_EQ(node_key, public_key);
}

// ---- what the hub refuses ---------------------------------------------------------------------

TEST_F(CliTest, HubRefusesBundleFromUnenrolledNode) {
  std::string hub_key = InitHub("H");
  InitNode("N", "YH-001", hub_key);  // never enrolled
  ASSERT_EQ(Submit("N", {AppSubmit("A-0001"), AppSubmit("A-0002"), AppSubmit("A-0003")}, "in.jsonl").size(), 3u);
  ASSERT_EQ(Node({"export", "--data", "N", "--out", "n.bundle"}).exit_code, 0);
  long before = HubRecords("H");

  cli::Result r = Hub({"import", "--data", "H", "n.bundle"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("unknown_author"), std::string::npos) << r.Describe();
  EXPECT_EQ(ParseImport(r.out).accepted, 0) << r.Describe();
  EXPECT_EQ(HubRecords("H"), before);
  json status = HubStatus("H");
  EXPECT_EQ(status["buffered"], 0) << status.dump(2);
  EXPECT_EQ(status["quarantined"].size(), 0u) << status.dump(2);
  EXPECT_EQ(Hub({"audit", "--data", "H"}).exit_code, 0);
}

TEST_F(CliTest, TamperedBundleImportsTheIntactRecordsAndNamesTheDamage) {
  Simple net = SimpleNetwork(50);
  std::string bundle = cli::ReadFile(Path("n.bundle"));
  auto frames = BundleFrames(bundle);
  ASSERT_EQ(frames.size(), 50u);
  size_t middle = bundle.size() / 2;
  size_t damaged = 0;  // 1-based frame index == seq (the bundle holds only N's feed)
  for (size_t i = 0; i < frames.size(); ++i) {
    if (middle >= frames[i].first && middle < frames[i].first + 4 + frames[i].second) damaged = i + 1;
  }
  ASSERT_GT(damaged, 1u);
  bundle[middle] = static_cast<char>(bundle[middle] ^ 0x01);
  Write("tampered.bundle", bundle);
  long before = HubRecords("H");

  cli::Result r = Hub({"import", "--data", "H", "tampered.bundle"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  std::string d = std::to_string(damaged);
  EXPECT_TRUE(std::regex_search(r.out, std::regex("(frame " + d + "|seq " + d + ")\\b")))
      << "the damaged frame " << damaged << " (byte " << middle << ") is not named\n"
      << r.Describe();
  ImportCounts counts = ParseImport(r.out);
  EXPECT_EQ(counts.accepted, static_cast<long>(damaged - 1)) << "every record before the damaged one must be imported\n"
                                                             << r.Describe();
  EXPECT_EQ(HubRecords("H"), before + static_cast<long>(damaged - 1));

  cli::Result audit = Hub({"audit", "--data", "H"});
  EXPECT_EQ(audit.exit_code, 0) << audit.Describe();

  // The intact bundle completes the feed.
  cli::Result fix = Hub({"import", "--data", "H", "n.bundle"});
  EXPECT_EQ(fix.exit_code, 0) << fix.Describe();
  EXPECT_EQ(HubRecords("H"), before + 50) << fix.Describe();
  EXPECT_EQ(HubStatus("H")["buffered"], 0);
  EXPECT_EQ(Hub({"audit", "--data", "H"}).exit_code, 0);
}

TEST_F(CliTest, TruncatedBundleImportsTheValidPrefix) {
  Simple net = SimpleNetwork(50);
  std::string bundle = cli::ReadFile(Path("n.bundle"));
  size_t cut = bundle.size() * 6 / 10;
  auto frames = BundleFrames(bundle);
  ASSERT_EQ(frames.size(), 50u);
  long complete = 0;
  for (const auto& [offset, length] : frames) {
    if (offset + 4 + length <= cut) ++complete;
  }
  ASSERT_GT(complete, 0);
  Write("cut.bundle", bundle.substr(0, cut));
  long before = HubRecords("H");

  cli::Result r = Hub({"import", "--data", "H", "cut.bundle"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_NE(r.out.find("truncated"), std::string::npos) << r.Describe();
  EXPECT_EQ(ParseImport(r.out).accepted, complete) << r.Describe();
  EXPECT_EQ(HubRecords("H"), before + complete);
  EXPECT_EQ(Hub({"audit", "--data", "H"}).exit_code, 0);
}

// Forks need two data dirs with one identity. `init --key K --replacing` (a replaced PC) refuses
// to write until `bangban-node recover` has fetched the feed from the hub; a fresh key made with
// keygen and given with --key alone works offline. A data dir copied to a second machine (a
// cloned PC, a restored backup) has no such guard and forks offline, so the fork tests below
// copy the dir.
TEST_F(CliTest, NodeReplacingAnIdentityWaitsForRecover) {
  std::string hub_key = InitHub("H");
  cli::Result kg = Node({"keygen", "--out", "shared.key"});
  ASSERT_EQ(kg.exit_code, 0) << kg.Describe();
  std::string key = kg.out.substr(0, 64);
  ASSERT_EQ(InitNode("NA", "YH-010", hub_key, "shared.key"), key);
  ASSERT_EQ(InitNode("NB", "YH-010", hub_key, "shared.key", /*replacing=*/true), key);
  Write("a.jsonl", AppSubmit("F-A1").dump() + "\n");
  cli::Result fresh = Node({"submit", "--data", "NA", "a.jsonl"});
  EXPECT_EQ(fresh.exit_code, 0) << fresh.Describe();
  EXPECT_EQ(NodeStatus("NA")["feed"]["seq"], 1);
  cli::Result replaced = Node({"submit", "--data", "NB", "a.jsonl"});
  EXPECT_EQ(replaced.exit_code, 1) << replaced.Describe();
  EXPECT_NE(replaced.err.find("recover"), std::string::npos) << replaced.Describe();
  EXPECT_EQ(NodeStatus("NB")["feed"]["seq"], 0);
}

TEST_F(CliTest, ForkedAuthorIsQuarantined) {
  std::string hub_key = InitHub("H");
  std::string key = InitNode("NA", "YH-010", hub_key);
  fs::copy(Path("NA"), Path("NB"), fs::copy_options::recursive);  // the same identity twice
  Enroll("H", key, "YH-010");
  ASSERT_EQ(NodeStatus("NB")["key"], key);
  ASSERT_EQ(Submit("NA", {AppSubmit("F-A1"), AppSubmit("F-A2"), AppSubmit("F-A3")}, "a.jsonl").size(), 3u);
  ASSERT_EQ(Submit("NB", {AppSubmit("F-B1"), AppSubmit("F-B2"), AppSubmit("F-B3")}, "b.jsonl").size(), 3u);
  ASSERT_EQ(Node({"export", "--data", "NA", "--out", "a.bundle"}).exit_code, 0);
  ASSERT_EQ(Node({"export", "--data", "NB", "--out", "b.bundle"}).exit_code, 0);

  cli::Result first = Hub({"import", "--data", "H", "a.bundle"});
  EXPECT_EQ(first.exit_code, 0) << first.Describe();
  EXPECT_EQ(ParseImport(first.out).accepted, 3) << first.Describe();

  cli::Result second = Hub({"import", "--data", "H", "b.bundle"});
  EXPECT_EQ(second.exit_code, 1) << second.Describe();
  // The hub counts outcomes per record: NB's seq 1, 2 and 3 each sit where NA's records already
  // are, so each is reported as a fork (3). One forked author; at least one fork; none accepted.
  ImportCounts counts = ParseImport(second.out);
  EXPECT_GE(counts.forks, 1) << second.Describe();
  EXPECT_EQ(counts.forks + counts.rejected, 3) << second.Describe();
  EXPECT_EQ(counts.accepted, 0) << second.Describe();
  EXPECT_EQ(counts.buffered, 0) << second.Describe();
  EXPECT_NE(second.out.find("quarantined"), std::string::npos) << second.Describe();

  json status = HubStatus("H");
  ASSERT_EQ(status["quarantined"].size(), 1u) << status.dump(2);
  EXPECT_EQ(status["quarantined"][0]["author"], key) << status.dump(2);

  cli::Result audit = Hub({"audit", "--data", "H"});
  EXPECT_NE(audit.out.find("notice: author " + key.substr(0, 16) + " is quarantined"), std::string::npos)
      << audit.Describe();

  // Whatever the quarantined key signs next is refused.
  ASSERT_EQ(Submit("NA", {AppSubmit("F-A4")}, "a2.jsonl").size(), 1u);
  ASSERT_EQ(Node({"export", "--data", "NA", "--out", "a2.bundle"}).exit_code, 0);
  long before = HubRecords("H");
  cli::Result later = Hub({"import", "--data", "H", "a2.bundle"});
  EXPECT_EQ(later.exit_code, 1) << later.Describe();
  EXPECT_EQ(ParseImport(later.out).accepted, 0) << later.Describe();
  EXPECT_EQ(HubRecords("H"), before);
}

// One conflicting record: exactly one fork, the author quarantined and named.
TEST_F(CliTest, SingleConflictingRecordIsExactlyOneFork) {
  std::string hub_key = InitHub("H");
  std::string key = InitNode("NA", "YH-010", hub_key);
  fs::copy(Path("NA"), Path("NB"), fs::copy_options::recursive);
  Enroll("H", key, "YH-010");
  ASSERT_EQ(Submit("NA", {AppSubmit("F-A1")}, "a.jsonl").size(), 1u);
  ASSERT_EQ(Submit("NB", {AppSubmit("F-B1")}, "b.jsonl").size(), 1u);
  ASSERT_EQ(Node({"export", "--data", "NA", "--out", "a.bundle"}).exit_code, 0);
  ASSERT_EQ(Node({"export", "--data", "NB", "--out", "b.bundle"}).exit_code, 0);
  ASSERT_EQ(Hub({"import", "--data", "H", "a.bundle"}).exit_code, 0);
  cli::Result second = Hub({"import", "--data", "H", "b.bundle"});
  EXPECT_EQ(second.exit_code, 1) << second.Describe();
  EXPECT_EQ(ParseImport(second.out).forks, 1) << second.Describe();
  EXPECT_NE(second.out.find("quarantined"), std::string::npos) << second.Describe();
  EXPECT_NE(second.out.find(key.substr(0, 16)), std::string::npos) << second.Describe();
  cli::Result audit = Hub({"audit", "--data", "H"});
  EXPECT_NE(audit.out.find("notice: author " + key.substr(0, 16) + " is quarantined"), std::string::npos)
      << audit.Describe();
}

// Revocation: records after --after-seq are refused, the rest stay.
TEST_F(CliTest, RevokedKeyRecordsAfterTheLimitAreRefused) {
  Simple net = SimpleNetwork(10);
  cli::Result rv = Hub({"revoke", "--data", "H", "--key", net.node_key, "--after-seq", "5", "--reason", "设备丢失"});
  ASSERT_EQ(rv.exit_code, 0) << rv.Describe();
  long before = HubRecords("H");
  cli::Result r = Hub({"import", "--data", "H", "n.bundle"});
  EXPECT_EQ(r.exit_code, 1) << r.Describe();
  EXPECT_EQ(ParseImport(r.out).accepted, 5) << r.Describe();
  EXPECT_EQ(ParseImport(r.out).rejected, 5) << r.Describe();
  EXPECT_NE(r.out.find("revoked"), std::string::npos) << r.Describe();
  EXPECT_EQ(HubRecords("H"), before + 5);
  cli::Result audit = Hub({"audit", "--data", "H"});
  EXPECT_EQ(audit.exit_code, 0) << audit.Describe();

  // The earliest limit stays in force: a later one is refused, saying so, and writes nothing;
  // an earlier one tightens it.
  const long records = HubRecords("H");
  cli::Result later = Hub({"revoke", "--data", "H", "--key", net.node_key, "--after-seq", "8", "--reason", "again"});
  EXPECT_EQ(later.exit_code, 1) << later.Describe();
  EXPECT_NE(later.err.find("already revoked after seq 5"), std::string::npos) << later.Describe();
  EXPECT_EQ(HubRecords("H"), records) << "a revocation that changes nothing was written";
  cli::Result earlier = Hub({"revoke", "--data", "H", "--key", net.node_key, "--after-seq", "3", "--reason", "更早"});
  EXPECT_EQ(earlier.exit_code, 0) << earlier.Describe();
  EXPECT_EQ(HubRecords("H"), records + 1);
}

// Regression: records waiting in the gap buffer must meet the revocation when the gap closes.
// seq 3..10 arrive first and are buffered, the key is revoked after seq 5, then seq 1..2
// arrive: 6..10 must not be drained into the store (FeedStore::DrainGaps once checked only the
// chain and key records, so they were, and `bangban-hub audit` then failed).
TEST_F(CliTest, RevocationAlsoAppliesToRecordsWaitingInAGap) {
  Simple net = SimpleNetwork(10);
  bangban::BundleContents all = bangban::ReadBundle(Path("n.bundle"));
  ASSERT_EQ(all.records.size(), 10u);
  bangban::WriteBundle(Path("head.bundle"), {all.records.begin(), all.records.begin() + 2});  // seq 1..2
  bangban::WriteBundle(Path("tail.bundle"), {all.records.begin() + 2, all.records.end()});    // seq 3..10

  cli::Result tail = Hub({"import", "--data", "H", "tail.bundle"});
  EXPECT_EQ(ParseImport(tail.out).buffered, 8) << tail.Describe();
  cli::Result rv = Hub({"revoke", "--data", "H", "--key", net.node_key, "--after-seq", "5", "--reason", "设备丢失"});
  ASSERT_EQ(rv.exit_code, 0) << rv.Describe();
  long before = HubRecords("H");
  cli::Result head = Hub({"import", "--data", "H", "head.bundle"});
  EXPECT_EQ(ParseImport(head.out).accepted, 2) << head.Describe();

  EXPECT_LE(HubRecords("H"), before + 5) << "records after the revocation limit were stored";
  cli::Result audit = Hub({"audit", "--data", "H"});
  EXPECT_EQ(audit.exit_code, 0) << audit.Describe();
}

TEST_F(CliTest, AuditCatchesAByteChangedInTheStore) {
  std::string hub_key = InitHub("H");
  std::string node_key = InitNode("N", "YH-001", hub_key);
  Enroll("H", node_key, "YH-001");
  std::vector<json> lines;
  for (int i = 1; i <= 10; ++i) {
    lines.push_back(
        AppSubmit("T-" + std::to_string(i), i == 5 ? std::string(kEntityName) : "运城商户" + std::to_string(i)));
  }
  ASSERT_EQ(Submit("N", lines, "in.jsonl").size(), 10u);
  ASSERT_EQ(Node({"export", "--data", "N", "--out", "n.bundle"}).exit_code, 0);
  ASSERT_EQ(Hub({"import", "--data", "H", "n.bundle"}).exit_code, 0);
  ASSERT_EQ(Hub({"audit", "--data", "H"}).exit_code, 0);

  // No process holds the store now. Change the last byte of 店 (E5 BA 97 -> E5 BA 98, still
  // valid UTF-8) wherever the record's text lies in the LMDB file.
  fs::path mdb = Path("H") / "store" / "data.mdb";
  std::string bytes = cli::ReadFile(mdb);
  std::vector<size_t> at = FindAll(bytes, kEntityName);
  ASSERT_FALSE(at.empty()) << "the entity name is not in " << mdb;
  for (size_t pos : at) {
    size_t last = pos + std::string(kEntityName).size() - 1;
    bytes[last] = static_cast<char>(bytes[last] + 1);
  }
  cli::WriteFile(mdb, bytes);

  cli::Result audit = Hub({"audit", "--data", "H"});
  EXPECT_EQ(audit.exit_code, 1) << audit.Describe();
  EXPECT_NE(audit.out.find("problem"), std::string::npos) << audit.Describe();
  EXPECT_NE(audit.out.find("seq 5"), std::string::npos) << "the altered record (seq 5) is not named\n"
                                                        << audit.Describe();
}

// One damaged record in data.mdb must not take the rest down with it: audit names every damaged
// record by feed and seq and goes on; export saves every good record (and fails visibly);
// reindex refuses to drop a projection it cannot rebuild whole, so the queue and reports keep
// working, and rebuilds without the damaged records only when asked to.
TEST_F(CliTest, DamagedStoredRecordsAreNamedAndEverythingElseStillWorks) {
  std::string hub_key = InitHub("H");
  std::string node_key = InitNode("N", "YH-001", hub_key);
  Enroll("H", node_key, "YH-001");
  std::vector<json> lines;
  for (int i = 1; i <= 10; ++i)
    lines.push_back(AppSubmit("T-" + std::to_string(i), "运城商户编号" + std::to_string(100 + i)));
  ASSERT_EQ(Submit("N", lines, "in.jsonl").size(), 10u);
  ASSERT_EQ(Node({"export", "--data", "N", "--out", "n.bundle"}).exit_code, 0);
  ASSERT_EQ(Hub({"import", "--data", "H", "n.bundle"}).exit_code, 0);
  const std::string report_before = Hub({"report", "sla", "--data", "H", "--json"}).out;

  // Seq 4: a byte inside its entity name changes (the record still decodes, its hash does not
  // match). Seq 7: the msgpack type byte before its entity name becomes 0xc1 (never valid).
  fs::path mdb = Path("H") / "store" / "data.mdb";
  std::string bytes = cli::ReadFile(mdb);
  std::vector<size_t> four = FindAll(bytes, "运城商户编号104"), seven = FindAll(bytes, "运城商户编号107");
  ASSERT_FALSE(four.empty() || seven.empty());
  for (size_t pos : four) bytes[pos + std::string("运城商户编号10").size()] = '9';
  for (size_t pos : seven) bytes[pos - 1] = static_cast<char>(0xc1);
  cli::WriteFile(mdb, bytes);

  cli::Result audit = Hub({"audit", "--data", "H"});
  EXPECT_EQ(audit.exit_code, 1) << audit.Describe();
  EXPECT_NE(audit.out.find("seq 4:"), std::string::npos) << audit.Describe();
  EXPECT_NE(audit.out.find("seq 7:"), std::string::npos) << audit.Describe();

  cli::Result exported = Hub({"export", "--data", "H", "--out", "h.bundle"});
  EXPECT_EQ(exported.exit_code, 1) << exported.Describe();
  // 8 applications, the enrollment and the county's sealing key (key.sealing, written at init).
  EXPECT_NE(exported.err.find("holds the 10 readable records"), std::string::npos) << exported.Describe();
  EXPECT_NE(exported.err.find("seq 4: the bytes no longer match"), std::string::npos) << exported.Describe();
  EXPECT_NE(exported.err.find("seq 7: "), std::string::npos) << exported.Describe();
  EXPECT_TRUE(fs::exists(Path("h.bundle")));

  cli::Result refused = Hub({"reindex", "--data", "H"});
  EXPECT_EQ(refused.exit_code, 1) << refused.Describe();
  EXPECT_NE(refused.err.find("reindex changed nothing"), std::string::npos) << refused.Describe();
  cli::Result report = Hub({"report", "sla", "--data", "H", "--json"});
  EXPECT_EQ(report.exit_code, 0) << report.Describe();
  EXPECT_EQ(report.out, report_before) << "a refused reindex changed the projection";

  cli::Result rebuilt = Hub({"reindex", "--data", "H", "--leave-out-damaged", "--json"});
  EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.Describe();
  json stats = json::parse(rebuilt.out);
  EXPECT_EQ(stats["damaged"], 2) << rebuilt.Describe();
  EXPECT_EQ(stats["applications"], 8) << rebuilt.Describe();
  EXPECT_EQ(Hub({"queue", "--data", "H"}).exit_code, 0);
}

}  // namespace

// ---- one app_id, two outlets: two applications ----------------------------------------------

// Every proj_ table of a hub's store, one line per entry: the projection's bytes.
std::string ProjectionDump(const fs::path& store_dir) {
  bangban::LmdbEnv env(store_dir);
  std::string out;
  for (const char* table : {"proj_cases", "proj_keys", "proj_meta", "proj_open"}) {
    MDB_dbi dbi = env.OpenDb(table);
    env.Read([&](bangban::LmdbTxn& txn) {
      bangban::LmdbCursor cursor(txn, dbi);
      for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
        out += std::string(table) + " " + bangban::ToHex(cursor.key()) + " " + bangban::ToHex(cursor.value()) + "\n";
      }
    });
  }
  return out;
}

// The application of `app_id` in a node's status.
json NodeApplication(const json& status, const std::string& app_id) {
  for (const json& app : status.value("applications", json::array())) {
    if (app.value("app_id", "") == app_id) return app;
  }
  return json();
}

TEST_F(CliTest, AnAppIdFiledByTwoOutletsIsTwoApplicationsAndEachGetsItsOwnDecisions) {
  auto at = [&](const std::string& now, std::vector<std::string> args) {
    return cli::Run(args, "", {"BANGBAN_NOW=" + now}, tmp_.path());
  };
  const std::string hub_key = InitHub("H");
  const std::string n1 = InitNode("N1", "YH-001", hub_key), n2 = InitNode("N2", "YH-002", hub_key);
  ASSERT_NO_FATAL_FAILURE(Enroll("H", n1, "YH-001"));
  ASSERT_NO_FATAL_FAILURE(Enroll("H", n2, "YH-002"));
  for (const char* reviewer : {"r01", "r02"}) {
    ASSERT_EQ(Hub({"user", "add", "--data", "H", "--name", reviewer, "--role", "reviewer"}).exit_code, 0);
  }

  // One outlet files an app_id once: a second app.submit of it is refused at intake.
  ASSERT_EQ(Submit("N1", {AppSubmit("A-1")}, "n1.jsonl").size(), 1u);
  Write("again.jsonl", JsonLines({AppSubmit("B-1"), AppSubmit("A-1")}));
  cli::Result again = Node({"submit", "--data", "N1", "again.jsonl"});
  EXPECT_EQ(again.exit_code, 1) << again.Describe();
  EXPECT_NE(again.err.find("duplicate_app: line 2: app_id A-1 was already submitted by this outlet"), std::string::npos)
      << again.Describe();
  EXPECT_EQ(NodeStatus("N1")["feed"]["seq"], 1) << "a refused submit stored something";
  ASSERT_EQ(Submit("N2", {AppSubmit("A-1")}, "n2.jsonl").size(), 1u);  // another outlet may

  // The county receives YH-001's first, then YH-002's: stored, with a warning naming both.
  ASSERT_EQ(Node({"export", "--data", "N1", "--out", "n1.bundle"}).exit_code, 0);
  ASSERT_EQ(Node({"export", "--data", "N2", "--out", "n2.bundle"}).exit_code, 0);
  cli::Result first = at("2026-03-02T09:00:00+08:00", {cli::kHubBin, "import", "--data", "H", "n1.bundle"});
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  EXPECT_EQ(first.out.find("warning"), std::string::npos) << first.Describe();
  cli::Result second = at("2026-03-02T09:05:00+08:00", {cli::kHubBin, "import", "--data", "H", "n2.bundle", "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.Describe();
  json imported = json::parse(second.out);
  ASSERT_EQ(imported["warnings"].size(), 1u) << second.out;
  const std::string warning = imported["warnings"][0];
  EXPECT_NE(warning.find("app_id A-1 of county 140802 is filed by outlet YH-002 and already by YH-001"),
            std::string::npos)
      << warning;

  // A review record of an older hub (no outlet_id) means the first owner: YH-001's. It is
  // signed with the hub's own key as the next record of its feed and brought in by bundle.
  {
    bangban::SigningKey hub_identity = bangban::SigningKey::Load(Path("H") / "identity.key");
    json status = HubStatus("H");
    uint64_t seq = 0;
    std::optional<bangban::RecordId> prev;
    for (const json& feed : status["heads"]) {
      if (feed["author"] == hub_key) {
        seq = feed["seq"];
        prev = bangban::FromHexFixed<32>(feed["head"].get<std::string>());
      }
    }
    ASSERT_GT(seq, 0u);
    bangban::Record old_style = bangban::Record::Create(hub_identity, "review.assign", seq + 1, prev,
                                                        *bangban::ParseRfc3339("2026-03-02T09:10:00+08:00"),
                                                        {{"app_id", "A-1"}, {"reviewer", "r09"}});
    bangban::WriteBundle(Path("old.bundle"), {old_style});
    cli::Result old = at("2026-03-02T09:10:00+08:00", {cli::kHubBin, "import", "--data", "H", "old.bundle"});
    ASSERT_EQ(old.exit_code, 0) << old.Describe();
  }

  // Without --outlet the reviewer is told which outlets filed it, and nothing is written.
  cli::Result ambiguous =
      at("2026-03-02T09:30:00+08:00", {cli::kHubBin, "review", "accept", "A-1", "--data", "H", "--reviewer", "r01"});
  EXPECT_EQ(ambiguous.exit_code, 1) << ambiguous.Describe();
  EXPECT_NE(ambiguous.err.find("YH-001, YH-002"), std::string::npos) << ambiguous.Describe();
  EXPECT_NE(ambiguous.err.find("--outlet"), std::string::npos) << ambiguous.Describe();
  cli::Result wrong = at("2026-03-02T09:30:00+08:00", {cli::kHubBin, "review", "accept", "A-1", "--data", "H",
                                                       "--outlet", "YH-007", "--reviewer", "r01"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.Describe();
  EXPECT_NE(wrong.err.find("YH-001, YH-002"), std::string::npos) << wrong.Describe();
  // Decisions on each application.
  cli::Result accept = at("2026-03-02T09:30:00+08:00", {cli::kHubBin, "review", "accept", "A-1", "--data", "H",
                                                        "--outlet", "YH-002", "--reviewer", "r01", "--json"});
  ASSERT_EQ(accept.exit_code, 0) << accept.Describe();
  EXPECT_EQ(json::parse(accept.out)["outlet_id"], "YH-002");
  cli::Result reject =
      at("2026-03-02T09:40:00+08:00", {cli::kHubBin, "review", "reject", "A-1", "--data", "H", "--outlet", "YH-001",
                                       "--reviewer", "r02", "--reason", "材料不全"});
  ASSERT_EQ(reject.exit_code, 0) << reject.Describe();
  EXPECT_NE(reject.out.find("app A-1 of outlet YH-001: reject by r02; the case is now rejected"), std::string::npos)
      << reject.Describe();

  // The hub shows both applications, each with its own state and the other's outlet.
  cli::Result report =
      at("2026-03-02T10:00:00+08:00", {cli::kHubBin, "report", "sla", "--data", "H", "--json", "--apps"});
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  json apps = json::parse(report.out)["apps"];
  ASSERT_EQ(apps.size(), 2u) << report.out;
  EXPECT_EQ(apps[0]["outlet_id"], "YH-001");
  EXPECT_EQ(apps[0]["state"], "rejected");
  EXPECT_EQ(apps[0]["assigned_reviewer"], "r09") << "the old-style assign is the first owner's";
  EXPECT_EQ(apps[0]["also_filed_by"], json::array({"YH-002"}));
  EXPECT_EQ(apps[1]["outlet_id"], "YH-002");
  EXPECT_EQ(apps[1]["state"], "accepted");
  EXPECT_TRUE(apps[1]["assigned_reviewer"].is_null()) << apps[1].dump();
  cli::Result queue = at("2026-03-02T10:00:00+08:00", {cli::kHubBin, "queue", "--data", "H"});
  EXPECT_NE(queue.out.find("note: app_id A-1 of outlet YH-002 is also filed by YH-001"), std::string::npos)
      << queue.Describe();

  // Each outlet sees only the decision on its own application.
  ASSERT_EQ(Hub({"export", "--data", "H", "--out", "h.bundle"}).exit_code, 0);
  for (const char* node : {"N1", "N2"}) ASSERT_EQ(Node({"import", "--data", node, "h.bundle"}).exit_code, 0);
  json yh1 = NodeApplication(NodeStatus("N1"), "A-1"), yh2 = NodeApplication(NodeStatus("N2"), "A-1");
  EXPECT_EQ(yh1.value("state", ""), "rejected") << yh1.dump();
  EXPECT_EQ(yh1.value("reason", ""), "材料不全") << yh1.dump();
  EXPECT_EQ(yh2.value("state", ""), "accepted") << yh2.dump();
  EXPECT_FALSE(yh2.contains("reason")) << "YH-002 shows YH-001's rejection: " << yh2.dump();

  // The rebuild gives the very same projection, byte for byte, and the same report.
  const std::string before = ProjectionDump(Path("H") / "store");
  ASSERT_NE(before.find("proj_cases"), std::string::npos);
  cli::Result reindex = Hub({"reindex", "--data", "H"});
  ASSERT_EQ(reindex.exit_code, 0) << reindex.Describe();
  EXPECT_NE(reindex.out.find("2 applications"), std::string::npos) << reindex.Describe();
  EXPECT_EQ(ProjectionDump(Path("H") / "store"), before);
  cli::Result rebuilt =
      at("2026-03-02T10:00:00+08:00", {cli::kHubBin, "report", "sla", "--data", "H", "--json", "--apps"});
  EXPECT_EQ(rebuilt.out, report.out);
}
