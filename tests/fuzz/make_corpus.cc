// Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from inputs the code
// itself makes: records signed by Record::Create (and one of a later release's type), the sync
// messages a node and a hub exchange, a bundle written by WriteBundle, control requests, node.toml
// and hub.toml as `init` saves them, the shipped calendars, and typical submit lines. Run by
// tests/fuzz/make-corpus.sh; keys and times are fixed, so only the sealed parts (random by
// design) change from one run to the next.
//
//   bangban-fuzz-corpus CORPUS_DIR SOURCE_DIR
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/error.h"
#include "daemon/control_socket.h"
#include "hub/hub_config.h"
#include "node/intake.h"
#include "node/node_config.h"
#include "protocol/record.h"
#include "review/review_config.h"
#include "storage/bundle.h"
#include "storage/transparency_log.h"
#include "sync/messages.h"
#include "tests/support/foreign_record.h"

namespace bangban {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kTs = 1772413200000;  // 2026-03-02 09:00 in China
constexpr CivilDate kToday{2026, 3, 2};

SigningKey KeyFromByte(uint8_t b) { return SigningKey::FromSeed(Bytes(32, b)); }

class Corpus {
 public:
  explicit Corpus(fs::path root) : root_(std::move(root)) {}
  void Put(const std::string& target, const std::string& name, std::string_view bytes) {
    fs::create_directories(root_ / target);
    std::ofstream out(root_ / target / name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + (root_ / target / name).string());
  }
  void Put(const std::string& target, const std::string& name, const Bytes& bytes) {
    Put(target, name, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }

 private:
  fs::path root_;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// GB 11643-1999 check character.
std::string WithIdCheck(const std::string& first17) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr std::string_view kCheck = "10X98765432";
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + kCheck[static_cast<size_t>(sum % 11)];
}

// What helpers type at an outlet, one line per record type an outlet writes.
std::vector<std::pair<std::string, std::string>> SubmitLines() {
  const std::string id = WithIdCheck("14080219850615123");
  return {
      {"app-submit",
       R"({"type":"app.submit","app_id":"A-20260302-0001","kind":"establish","entity_type":"individual",)"
       R"("entity_name":"运城市盐湖区老街小吃店","applicant":{"id_number":")" +
           id +
           R"(","name":"张三明"},"realname_verified":true,"channel":"outlet","fee_cents":0,"helper":"李*",)"
           R"("materials":["id_card","lease"]})"},
      {"app-resubmit",
       R"({"type":"app.resubmit","app_id":"A-20260302-0001","materials":["lease"],"note":"补充租赁合同"})"},
      {"feedback-rating", R"({"type":"feedback.rating","app_id":"A-20260302-0001","score":5})"},
      {"complaint-file",
       R"({"type":"complaint.file","outlet_id":"O-140802-001","category":"slow","text":"等了两个小时"})"},
      {"finance-referral",
       R"({"type":"finance.referral","outlet_id":"O-140802-001","kind":"loan","bank":"农业银行运城分行"})"},
      {"outlet-training",
       R"({"type":"outlet.training","outlet_id":"O-140802-001","staff":"李*","course":"个体工商户登记","hours":4})"},
  };
}

void WriteCorpus(const fs::path& corpus_dir, const fs::path& source_dir) {
  Corpus corpus(corpus_dir);
  const SigningKey county = KeyFromByte(61);
  const SigningKey outlet = KeyFromByte(62);
  const SigningKey city = KeyFromByte(63);

  // Submit lines, and the records an outlet signs from them (one feed).
  std::vector<Record> outlet_feed;
  for (const auto& [name, line] : SubmitLines()) {
    corpus.Put("submit_line", name + ".json", line);
    IntakeEntry entry = IntakeFromJson(Json::parse(line), SealingTarget{"2026-03", county.curve_public_key()}, kToday);
    std::optional<RecordId> prev;
    if (!outlet_feed.empty()) prev = outlet_feed.back().id();
    outlet_feed.push_back(Record::Create(outlet, entry.type, outlet_feed.size() + 1, prev, kTs, entry.body));
  }
  // The county hub's feed: enrolls the outlet, reviews the application.
  std::vector<Record> county_feed;
  county_feed.push_back(
      Record::Create(county, "key.enroll", 1, std::nullopt, kTs,
                     {{"key", Json::binary(Bytes(outlet.public_key().begin(), outlet.public_key().end()))},
                      {"role", "outlet"},
                      {"name", "盐湖区北城街道便民服务站"},
                      {"county", "140802"},
                      {"outlet_id", "O-140802-001"}}));
  county_feed.push_back(Record::Create(county, "review.accept", 2, county_feed.back().id(), kTs + 60000,
                                       {{"app_id", "A-20260302-0001"}, {"reviewer", "王*"}}));
  county_feed.push_back(
      Record::Create(county, "review.reject", 3, county_feed.back().id(), kTs + 120000,
                     {{"app_id", "A-20260302-0001"}, {"reviewer", "王*"}, {"reason", "经营场所证明缺失"}}));
  const Record foreign = test_support::SignForeignRecord(
      city, "outlet.survey", 1, std::nullopt, kTs,
      {{"outlet_id", "O-140802-001"}, {"answers", Json::array({1, 2, 3})}, {"sealed", Json::binary(Bytes(16, 9))}});

  std::vector<Record> all = outlet_feed;
  all.insert(all.end(), county_feed.begin(), county_feed.end());
  all.push_back(foreign);
  for (const Record& r : all) {
    std::string name = r.type() + "-" + std::to_string(r.seq());
    corpus.Put("record", name + ".bin", r.wire());
    // The text form a person reads, as {"type", "body"}.
    corpus.Put("record", name + ".json", Json{{"type", r.type()}, {"body", r.ToJson()["body"]}}.dump());
  }

  // Sync messages of one exchange.
  auto head_of = [](const std::vector<Record>& feed) {
    return FeedPosition{feed.back().author(), feed.back().seq(), feed.back().id()};
  };
  auto put_message = [&corpus](const std::string& name, const Json& message) {
    corpus.Put("message", name + ".bin", EncodeMessage(message));
  };
  put_message("hello", HelloMessage{kSyncVersion, {head_of(outlet_feed), head_of(county_feed)}}.ToJson());
  WelcomeMessage welcome;
  welcome.heads = {head_of(outlet_feed)};
  welcome.offered = {head_of(county_feed)};
  const TreeHead tree_head = TreeHead::Sign(county, 9, Blake2b256(ByteView(outlet_feed[0].wire())), kTs + 1000);
  welcome.tree_head = tree_head.Encode();
  put_message("welcome", welcome.ToJson());
  PushMessage push;
  push.batch = 1;
  for (const Record& r : outlet_feed) push.records.push_back(r.wire());
  put_message("push", push.ToJson());
  AckMessage ack;
  ack.batch = 1;
  ack.heads = {head_of(outlet_feed)};
  ack.accepted = outlet_feed.size() - 1;
  ack.rejections = {RecordRejection::AtIndex(3, "malformed", "record: envelope must be an array"),
                    RecordRejection::OfRecord(outlet_feed[2].id(), 3, "fork", "seq 3 is already held")};
  ack.tree_head = tree_head.Encode();
  put_message("ack", ack.ToJson());
  put_message("pull", PullMessage{{head_of(outlet_feed), FeedPosition{county.public_key(), 0, {}}}}.ToJson());
  RecordsMessage records;
  for (const Record& r : county_feed) records.records.push_back(r.wire());
  records.more = true;
  put_message("records", records.ToJson());
  put_message("prove", ProveMessage{outlet_feed[0].id()}.ToJson());
  Receipt receipt{tree_head, 0, outlet_feed[0].id(), kTs + 500, {Blake2b256(ByteView(outlet_feed[1].wire()))}};
  put_message("receipt", ReceiptMessage{receipt}.ToJson());
  put_message("error", ErrorMessage::Of(ErrorCode::kMalformed, "hello: heads: must be a list").ToJson());

  // A bundle of every record, as `export` writes it.
  const fs::path scratch = fs::temp_directory_path() / ("bangban-corpus-" + std::to_string(::getpid()));
  fs::create_directories(scratch);
  WriteBundle(scratch / "all.bundle", all);
  corpus.Put("bundle", "all.bundle", ReadFile(scratch / "all.bundle"));
  WriteBundle(scratch / "empty.bundle", {});
  corpus.Put("bundle", "empty.bundle", ReadFile(scratch / "empty.bundle"));

  // Control requests as a command sends them.
  corpus.Put("control_request", "submit.bin",
             EncodeControlRequest({{"bangban-node", "submit", "--data", "/var/lib/bangban", "-"},
                                   "/home/helper",
                                   SubmitLines()[2].second + "\n",
                                   std::nullopt}));
  corpus.Put("control_request", "review.bin",
             EncodeControlRequest({{"bangban-hub", "review", "accept", "A-20260302-0001", "--reviewer", "r01"},
                                   "/root",
                                   std::nullopt,
                                   "2026-03-02T09:30:00+08:00"}));

  // Configuration as `init` saves it, and the shipped calendars.
  NodeConfig node{"O-140802-001", "140802", county.public_key(), "tcp://10.0.0.5:7100", county.public_key(), false};
  node.Save(scratch / "node.toml");
  corpus.Put("node_config", "node.toml", ReadFile(scratch / "node.toml"));
  node.simulation = true;
  node.hub_endpoint.clear();
  node.Save(scratch / "node.toml");
  corpus.Put("node_config", "simulation.toml", ReadFile(scratch / "node.toml"));

  HubConfig city_hub{"city", "运城市行政审批服务管理局", "1408", std::nullopt, false};
  city_hub.Save(scratch / "hub.toml");
  corpus.Put("hub_config", "city.toml", ReadFile(scratch / "hub.toml"));
  HubConfig county_hub{"county", "盐湖区行政审批服务管理局", "140802", city.public_key(), true};
  county_hub.Save(scratch / "hub.toml");
  const std::vector<fs::path> calendars = {source_dir / "deploy/calendars/cn-2025.toml",
                                           source_dir / "deploy/calendars/cn-2026.toml"};
  CalendarInstall(calendars).Install(scratch);
  corpus.Put("hub_config", "county.toml", ReadFile(scratch / "hub.toml"));
  for (const fs::path& calendar : calendars) {
    corpus.Put("calendar", calendar.filename().string(), ReadFile(calendar));
  }
  corpus.Put("calendar", "seasons.toml",
             "hours = [\"08:30-12:00\", \"14:30-18:00\"]\nyears = [2026]\nholidays = [\"2026-10-01\"]\n"
             "workdays = [\"2026-10-10\"]\n[[season]]\nfrom = \"06-01\"\nto = \"09-30\"\n"
             "hours = [\"08:30-12:00\", \"15:00-18:30\"]\n");
  fs::remove_all(scratch);
}

}  // namespace
}  // namespace bangban

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: bangban-fuzz-corpus CORPUS_DIR SOURCE_DIR\n");
    return 2;
  }
  try {
    bangban::WriteCorpus(argv[1], argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
