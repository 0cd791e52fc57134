#include "sim/player.h"

#include <chrono>
#include <queue>
#include <thread>

#include "crypto/error.h"
#include "protocol/clock.h"
#include "sim/program_run.h"

namespace bangban {

using Json = nlohmann::json;

namespace {

constexpr int64_t kRetryMs = 10 * 60'000;
constexpr int64_t kProgressEveryMs = 60 * 60'000;
constexpr int64_t kAfterTheEndMs = 5 * 60'000;

struct Pending {
  int64_t at_ms;
  size_t index;  // into the plan's events
  int tries;
  bool operator>(const Pending& o) const { return at_ms != o.at_ms ? at_ms > o.at_ms : index > o.index; }
};

class Player {
 public:
  Player(const Json& plan, const CityLayout& layout, const std::atomic<bool>& stop,
         const std::function<void(const std::string&)>& progress)
      : plan_(plan), layout_(layout), stop_(stop), progress_(progress) {}

  PlayReport Run() {
    const Json& events = plan_.at("events");
    for (size_t i = 0; i < events.size(); ++i) queue_.push({events[i].at("at_ms").get<int64_t>(), i, 0});
    while (!queue_.empty() && !stop_) {
      Pending next = queue_.top();
      queue_.pop();
      if (!WaitUntil(next.at_ms)) break;
      const Json& event = events[next.index];
      std::string why;
      if (Act(event, why)) {
        ++report_.acts;
        Count(event);
      } else if (next.tries + 1 < kMaxTries) {
        ++report_.retries;
        queue_.push({NowMs() + kRetryMs, next.index, next.tries + 1});
      } else {
        ++report_.given_up;
        progress_("gave up: " + event.at("what").get<std::string>() + " " + event.at("args").dump() + ": " + why);
      }
      Progress(false);
    }
    if (!stop_) BringVillagesIn();
    // The day plays out to its end, so the report sees what the evening brings (late cases red).
    if (plan_.contains("end_ms")) WaitUntil(plan_.at("end_ms").get<int64_t>() + kAfterTheEndMs);
    Progress(true);
    return report_;
  }

 private:
  // Sleeps in small real steps until the simulated clock reaches `at_ms`; false if stopped.
  bool WaitUntil(int64_t at_ms) {
    while (!stop_ && NowMs() < at_ms) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return !stop_;
  }

  ProgramResult Node(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), layout_.node_program.string());
    return RunProgram(args, input);
  }
  ProgramResult Hub(std::vector<std::string> args) {
    args.insert(args.begin(), layout_.hub_program.string());
    return RunProgram(args);
  }

  static std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }
  static bool Ok(const ProgramResult& r, std::string& why) {
    if (r.exit_code == 0) return true;
    why = FirstLine(r.err.empty() ? r.out : r.err);
    return false;
  }

  bool Act(const Json& event, std::string& why) {
    const std::string what = event.at("what").get<std::string>();
    const Json& a = event.at("args");
    if (what == "submit") {
      const std::string outlet = a.at("outlet").get<std::string>();
      ProgramResult r =
          Node({"submit", "--data", layout_.OutletDir(outlet).string(), "-"}, a.at("record").dump() + "\n");
      if (!Ok(r, why)) return false;
      if (a.contains("key")) keys_[a.at("key").get<std::string>()] = FirstLine(r.out);
      return true;
    }
    if (what == "sync") {
      return Ok(Node({"sync", "--data", layout_.OutletDir(a.at("outlet").get<std::string>()).string()}), why);
    }
    if (what == "bundle") return CarryBundle(a.at("outlet").get<std::string>(), why);
    if (what == "review") {
      const std::string county = a.at("county").get<std::string>();
      std::vector<std::string> args = {"review",
                                       "--data",
                                       layout_.CountyDir(county).string(),
                                       a.at("action").get<std::string>(),
                                       a.at("app").get<std::string>(),
                                       "--reviewer",
                                       a.at("reviewer").get<std::string>(),
                                       "--outlet",
                                       a.at("outlet").get<std::string>()};
      if (a.contains("reason")) args.insert(args.end(), {"--reason", a.at("reason").get<std::string>()});
      if (a.contains("uscc")) args.insert(args.end(), {"--uscc", a.at("uscc").get<std::string>()});
      return Ok(Hub(args), why);
    }
    if (what == "verdict") {
      auto id = keys_.find(a.at("complaint").get<std::string>());
      if (id == keys_.end()) {
        why = "the complaint was not filed";
        return false;
      }
      const bool upheld = a.at("upheld").get<bool>();
      return Ok(Hub({"complaint", "verdict", "--data", layout_.CountyDir(a.at("county").get<std::string>()).string(),
                     id->second, upheld ? "--upheld" : "--not-upheld", "--reason", a.at("reason").get<std::string>(),
                     "--deduction", std::to_string(a.at("deduction").get<int>())}),
                why);
    }
    throw Error(ErrorCode::kUsage, "the plan holds an act '" + what + "' this player does not know");
  }

  bool CarryBundle(const std::string& outlet, std::string& why) {
    std::string county;
    for (const Json& o : plan_.at("outlets")) {
      if (o.at("id") == outlet) county = o.at("county").get<std::string>();
    }
    const std::filesystem::path usb = layout_.work / "usb";
    std::filesystem::create_directories(usb);
    const std::string file = (usb / (outlet + "-" + std::to_string(++bundles_) + ".bundle")).string();
    return Ok(Node({"export", "--data", layout_.OutletDir(outlet).string(), "--out", file}), why) &&
           Ok(Hub({"import", "--data", layout_.CountyDir(county).string(), file}), why);
  }

  void BringVillagesIn() {
    for (const Json& o : plan_.at("outlets")) {
      if (o.at("daemon").get<bool>()) continue;
      const std::string id = o.at("id").get<std::string>();
      std::string why;
      const bool ok = o.at("bundle_only").get<bool>()
                          ? CarryBundle(id, why)
                          : Ok(Node({"sync", "--data", layout_.OutletDir(id).string()}), why);
      if (!ok) progress_("last link of " + id + " failed: " + why);
    }
  }

  void Count(const Json& event) {
    const std::string what = event.at("what").get<std::string>();
    if (what == "submit") {
      const std::string type = event.at("args").at("record").at("type").get<std::string>();
      if (type == "app.submit") ++filed_;
      if (type == "complaint.file") ++complaints_;
    } else if (what == "review") {
      const std::string action = event.at("args").at("action").get<std::string>();
      if (action == "approve" || action == "reject") ++decided_;
    }
  }

  void Progress(bool last) {
    const int64_t now = NowMs();
    if (!last && now - last_progress_ms_ < kProgressEveryMs) return;
    last_progress_ms_ = now;
    progress_(FormatRfc3339(now).substr(0, 16) + "  filed " + std::to_string(filed_) + "  decided " +
              std::to_string(decided_) + "  complaints " + std::to_string(complaints_) + "  " + OpenCases() +
              "  acts waiting " + std::to_string(queue_.size()) + (last ? "  (done)" : ""));
  }

  // The open cases of every county hub by SLA colour, as their review queues show them now.
  std::string OpenCases() {
    int open = 0, yellow = 0, red = 0;
    for (const Json& county : plan_.at("counties")) {
      ProgramResult r =
          Hub({"queue", "--data", layout_.CountyDir(county.at("code").get<std::string>()).string(), "--json"});
      const Json queue = Json::parse(r.out, nullptr, false);
      if (r.exit_code != 0 || !queue.is_object() || !queue.contains("open")) continue;
      for (const Json& c : queue["open"]) {
        ++open;
        yellow += c.value("colour", "") == "yellow";
        red += c.value("colour", "") == "red";
      }
    }
    return "open " + std::to_string(open) + " (yellow " + std::to_string(yellow) + ", red " + std::to_string(red) + ")";
  }

  const Json& plan_;
  const CityLayout& layout_;
  const std::atomic<bool>& stop_;
  const std::function<void(const std::string&)>& progress_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>> queue_;
  std::map<std::string, std::string> keys_;  // a submit's key -> the record id it got
  PlayReport report_;
  int bundles_ = 0, filed_ = 0, decided_ = 0, complaints_ = 0;
  int64_t last_progress_ms_ = 0;
};

}  // namespace

PlayReport Play(const Json& plan, const CityLayout& layout, const std::atomic<bool>& stop,
                const std::function<void(const std::string&)>& progress) {
  return Player(plan, layout, stop, progress).Run();
}

}  // namespace bangban
