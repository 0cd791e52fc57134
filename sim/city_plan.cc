#include "sim/city_plan.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "crypto/error.h"
#include "protocol/clock.h"

namespace bangban {

using Json = nlohmann::json;

namespace {

// splitmix64: small, fast and the same on every platform (std's distributions are not).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  int Below(int n) { return n <= 1 ? 0 : static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  int Between(int low, int high) { return low + Below(high - low + 1); }  // inclusive
  bool Percent(int p) { return Below(100) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& list) {
    return list[static_cast<size_t>(Below(static_cast<int>(list.size())))];
  }

 private:
  uint64_t state_;
};

// Opening hours (minutes of the day, China time): the standard working day's two sessions.
constexpr int kMorningStart = 8 * 60 + 30, kMorningEnd = 12 * 60;
constexpr int kAfternoonStart = 14 * 60 + 30, kAfternoonEnd = 18 * 60;
constexpr int64_t kMinuteMs = 60'000;

// Outlets open on the working days of the calendar: weekdays but holidays, and the weekend days
// made working days (调休上班).
bool IsOpenDay(const WorkCalendar& calendar, int64_t days) { return calendar.IsWorkingDay(CivilFromDays(days)); }

// `t` if it lies in a session of an open day, else the next session's start.
int64_t InWorkingHours(const WorkCalendar& calendar, int64_t t) {
  for (int guard = 0; guard < 31; ++guard) {  // the longest closure (Spring Festival) is shorter
    const int64_t days = LocalDays(t);
    const int minute = LocalMinuteOfDay(t);
    const CivilDate date = CivilFromDays(days);
    if (IsOpenDay(calendar, days)) {
      if (minute < kMorningStart) return LocalToEpochMs(date, kMorningStart);
      if (minute < kMorningEnd) return t;
      if (minute < kAfternoonStart) return LocalToEpochMs(date, kAfternoonStart);
      if (minute < kAfternoonEnd) return t;
    }
    t = LocalToEpochMs(CivilFromDays(days + 1), 0);
  }
  return t;
}

// A minute in opening hours, before `last` (minute of the day), drawn evenly.
int OpeningMinute(Rng& rng, int last) {
  const int morning = kMorningEnd - kMorningStart;
  const int afternoon = std::max(0, last - kAfternoonStart);
  const int m = rng.Below(morning + afternoon);
  return m < morning ? kMorningStart + m : kAfternoonStart + (m - morning);
}

const std::vector<std::string> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄",
                                            "周", "吴", "薛", "柴", "卫", "裴", "郭", "贾"};
const std::vector<std::string> kGiven = {"建国", "秀英", "志强", "海燕", "晓东", "红梅", "国栋", "丽华",
                                         "振华", "玉兰", "德明", "春生", "凤英", "立新", "桂芳", "永刚"};
const std::vector<std::string> kHelpers = {"帮办员赵敏", "帮办员王芳", "帮办员李娜", "帮办员郭亮", "帮办员薛静"};
const std::vector<std::string> kVillages = {"东郭", "西王", "南庄", "北辛", "上王", "下冯",
                                            "柳林", "杨家", "姚暹", "张坊", "泓芝", "席张"};
const std::vector<std::string> kTrades = {"果蔬店", "农资店",     "面馆",   "理发店",     "五金店",   "小超市",
                                          "粮油店", "农机修理部", "养殖场", "种植合作社", "快递驿站", "服装店"};
const std::vector<std::string> kComplaintTexts = {"等了很久没有人帮忙办理", "工作人员态度不好", "网点说办不了让去县里",
                                                  "材料清单没有一次说清楚"};

// GB 32100: 3^i mod 31, and the alphabet without I O S V Z.
constexpr const char* kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr int kUsccWeights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

struct AppState {
  std::string app_id, kind, outlet, county;
  int64_t filed_ms = 0;
  bool is_establish = false;
};

class Planner {
 public:
  Planner(const PlanOptions& options, const std::vector<County>& map)
      : options_(options), map_(map), rng_(options.seed) {
    plan_.options = options;
  }

  CityPlan Make() {
    PlaceOutlets();
    std::vector<int64_t> days = WorkingDays();
    plan_.end_ms = LocalToEpochMs(CivilFromDays(days.back()), kAfternoonEnd);
    PublishProfiles(days.front());
    for (int64_t day : days) {
      FileApplications(day);
      LinkVillages(day);
    }
    ChargeOneFee();
    FileComplaints(days);
    std::stable_sort(plan_.events.begin(), plan_.events.end(),
                     [](const PlannedEvent& a, const PlannedEvent& b) { return a.at_ms < b.at_ms; });
    plan_.totals_ = Totals();
    return std::move(plan_);
  }

 private:
  void PlaceOutlets() {
    static const std::vector<std::string> kCycle = {"township_centre", "bank_branch", "village_station",
                                                    "market_supervision", "village_station"};
    int villages = 0;
    for (int c = 0; c < options_.counties; ++c) {
      const County& county = map_[static_cast<size_t>(c)];
      plan_.counties.push_back({county.code, county.name, {"r01", "r02"}});
      std::vector<const Township*> ordinary;
      for (const Township& t : county.townships) {
        if (t.kind != "special") ordinary.push_back(&t);
      }
      if (ordinary.empty()) throw Error(ErrorCode::kConfig, "county " + county.code + " has no ordinary township");
      std::string relay;
      for (int i = 0; i < options_.outlets; ++i) {
        PlannedOutlet o;
        char id[32];
        std::snprintf(id, sizeof id, "%s-%02d", county.code.c_str(), i + 1);
        o.id = id;
        o.county = county.code;
        o.kind = kCycle[static_cast<size_t>(i) % kCycle.size()];
        const Township& township = *ordinary[static_cast<size_t>(rng_.Below(static_cast<int>(ordinary.size())))];
        o.township = township.name;
        o.township_code = township.code;
        if (o.kind == "township_centre") {
          o.name = township.name + "便民服务中心";
          if (relay.empty()) {
            o.relays = true;
            relay = o.id;
          }
        } else if (o.kind == "bank_branch") {
          o.name = "农商银行" + township.name + "支行帮办网点";
        } else if (o.kind == "market_supervision") {
          o.name = township.name + "市场监管所帮办点";
        } else {
          o.village = rng_.Pick(kVillages) + "村";
          o.name = o.village + "便民服务站";
          o.daemon = false;
          o.relay = relay;
          o.bundle_only = villages++ == 0;  // the city's first village station has no link at all
          if (o.bundle_only) o.relay.clear();
        }
        plan_.outlets.push_back(std::move(o));
      }
    }
  }

  std::vector<int64_t> WorkingDays() const {
    std::vector<int64_t> days;
    for (int64_t d = DaysFromCivil(options_.start); static_cast<int>(days.size()) < options_.days; ++d) {
      if (IsOpenDay(options_.calendar, d)) days.push_back(d);
    }
    return days;
  }

  void Add(int64_t at, std::string what, Json args) { plan_.events.push_back({at, std::move(what), std::move(args)}); }
  bool InPlan(int64_t at) const { return at <= plan_.end_ms; }

  void PublishProfiles(int64_t first_day) {
    int64_t at = LocalToEpochMs(CivilFromDays(first_day), kMorningStart);
    for (size_t i = 0; i < plan_.outlets.size(); ++i) {
      const PlannedOutlet& o = plan_.outlets[i];
      const bool village = o.kind == "village_station";
      Json services =
          village ? Json{"establish", "annual_report"} : Json{"establish", "change", "deregister", "annual_report"};
      if (o.kind == "bank_branch") services.push_back("account_opening");
      Json profile = {{"type", "outlet.profile"},
                      {"outlet_id", o.id},
                      {"name", o.name},
                      {"kind", o.kind},
                      {"county", o.county},
                      {"township", o.township},
                      {"address", (village ? o.village + "村委会一楼" : o.township + "政务服务大厅旁")},
                      {"phone", "0359-" + std::to_string(2000000 + i)},
                      {"hours", "08:30-12:00,14:30-18:00"},
                      {"services", services},
                      {"six_haves",
                       {{"sign", true},
                        {"computer", true},
                        {"staff", true},
                        {"guide", true},
                        {"phone", true},
                        {"publicity", !village || rng_.Percent(50)}}}};
      if (village) profile["village"] = o.village;
      Add(at + static_cast<int64_t>(i) * 1000, "submit", {{"outlet", o.id}, {"record", profile}});
    }
  }

  std::string Kind(int64_t day) {
    const bool season = CivilFromDays(day).month <= 6;  // annual reports are due by 30 June
    const int r = rng_.Below(100);
    if (season) return r < 40 ? "establish" : r < 65 ? "change" : r < 75 ? "deregister" : "annual_report";
    return r < 55 ? "establish" : r < 87 ? "change" : "deregister";
  }

  std::string NewUscc(const std::string& county, const std::string& entity_type) {
    // 9 = market supervision; 1 company, 2 individual, 3 cooperative... as GB 32100 codes them.
    const char category = entity_type == "individual" ? '2' : entity_type == "cooperative" ? '3' : '1';
    std::string first17 = std::string("9") + category + county;
    for (int i = 0; i < 9; ++i) first17 += kUsccAlphabet[rng_.Below(i < 8 ? 10 : 31)];
    return UsccWithCheck(first17);
  }

  std::string NewIdNumber(const std::string& county) {
    char birth[16];
    std::snprintf(birth, sizeof birth, "%04d%02d%02d%03d", rng_.Between(1950, 2003), rng_.Between(1, 12),
                  rng_.Between(1, 28), rng_.Below(1000));
    return IdNumberWithCheck(county + birth);
  }

  void FileApplications(int64_t day) {
    const CivilDate date = CivilFromDays(day);
    char ymd[16];
    std::snprintf(ymd, sizeof ymd, "%04d%02d%02d", date.year, date.month, date.day);
    for (const PlannedOutlet& o : plan_.outlets) {
      const int count = o.kind == "township_centre"   ? rng_.Between(3, 5)
                        : o.kind == "village_station" ? rng_.Between(1, 2)
                                                      : rng_.Between(2, 4);
      for (int j = 0; j < count; ++j) {
        AppState app;
        char id[80];
        std::snprintf(id, sizeof id, "%s-%s-%02d", o.id.c_str(), ymd, j + 1);
        app.app_id = id;
        app.kind = Kind(day);
        app.outlet = o.id;
        app.county = o.county;
        app.is_establish = app.kind == "establish";
        app.filed_ms = LocalToEpochMs(date, OpeningMinute(rng_, 17 * 60)) + rng_.Below(60) * 1000;
        const int type_roll = rng_.Below(100);
        const std::string entity_type = type_roll < 60 ? "individual" : type_roll < 90 ? "company" : "cooperative";
        const std::string place = o.village.empty() ? o.township : o.village;
        const std::string entity = place + rng_.Pick(kTrades) + (entity_type == "company" ? "有限公司" : "");
        Json submit = {
            {"type", "app.submit"},
            {"app_id", app.app_id},
            {"kind", app.kind},
            {"entity_type", entity_type},
            {"entity_name", entity},
            {"applicant", {{"id_number", NewIdNumber(o.county)}, {"name", rng_.Pick(kSurnames) + rng_.Pick(kGiven)}}},
            {"realname_verified", true},
            {"channel", "outlet"},
            {"fee_cents", 0},
            {"helper", rng_.Pick(kHelpers)},
            {"materials", app.is_establish ? Json{"id_card", "premises_proof"} : Json{"id_card", "license"}}};
        if (!app.is_establish) submit["uscc"] = NewUscc(o.county, entity_type);
        ++by_kind_[app.kind];
        ++by_county_[o.county];
        apps_.push_back(plan_.events.size());
        Add(app.filed_ms, "submit", {{"outlet", o.id}, {"record", submit}});
        Review(app);
      }
    }
  }

  Json ReviewArgs(const AppState& app, const std::string& action, const std::string& reviewer) {
    return {{"county", app.county},
            {"outlet", app.outlet},
            {"app", app.app_id},
            {"action", action},
            {"reviewer", reviewer}};
  }

  // The county's reviewers act with delays of minutes to hours; some cases are late.
  void Review(const AppState& app) {
    const std::string reviewer = rng_.Percent(50) ? "r01" : "r02";
    const int64_t accept = InWorkingHours(options_.calendar, app.filed_ms + rng_.Between(10, 60) * kMinuteMs);
    const bool late = rng_.Percent(8);
    const int roll = rng_.Below(100);
    // A late case waits past its deadline (the end of the next session): yellow, then red.
    const int64_t decide =
        InWorkingHours(options_.calendar, accept + (late ? rng_.Between(480, 720) : rng_.Between(20, 120)) * kMinuteMs);
    if (late) ++late_;
    if (!InPlan(accept)) return;
    Add(accept, "review", ReviewArgs(app, "accept", reviewer));
    if (!InPlan(decide)) return;
    int64_t decided = decide;
    if (roll < 5) {
      Json reject = ReviewArgs(app, "reject", reviewer);
      reject["reason"] = "经营范围涉及前置许可，请先取得许可";
      Add(decide, "review", reject);
      ++rejections_;
    } else {
      if (roll < 15) {
        Json correct = ReviewArgs(app, "correct", reviewer);
        correct["reason"] = "请补交经营场所证明";
        Add(decide, "review", correct);
        ++corrections_;
        const int64_t resubmit = InWorkingHours(options_.calendar, decide + rng_.Between(40, 120) * kMinuteMs);
        if (!InPlan(resubmit)) return;
        Add(resubmit, "submit",
            {{"outlet", app.outlet},
             {"record",
              {{"type", "app.resubmit"},
               {"app_id", app.app_id},
               {"materials", {"premises_proof"}},
               {"note", "已补交经营场所证明"}}}});
        decided = InWorkingHours(options_.calendar, resubmit + rng_.Between(20, 60) * kMinuteMs);
        if (!InPlan(decided)) return;
      }
      Json approve = ReviewArgs(app, "approve", reviewer);
      if (app.is_establish) approve["uscc"] = NewUscc(app.county, "company");
      Add(decided, "review", approve);
      ++approvals_;
    }
    if (rng_.Percent(40)) {
      const int64_t rated = InWorkingHours(options_.calendar, decided + rng_.Between(10, 90) * kMinuteMs);
      if (!InPlan(rated)) return;
      const int r = rng_.Below(100);
      const int score = r < 60 ? 5 : r < 85 ? 4 : r < 95 ? 3 : r < 98 ? 2 : 1;
      Add(rated, "submit",
          {{"outlet", app.outlet},
           {"record", {{"type", "feedback.rating"}, {"app_id", app.app_id}, {"score", score}}}});
      ++ratings_;
    }
  }

  // Village stations have no steady link: they sync a few times a day through their township
  // centre (the second one of the city only at the end of the day); the bundle-only station
  // carries a USB bundle to the county at the end of each day.
  void LinkVillages(int64_t day) {
    const CivilDate date = CivilFromDays(day);
    int villages = 0;
    for (const PlannedOutlet& o : plan_.outlets) {
      if (o.kind != "village_station") continue;
      const int index = villages++;
      if (o.bundle_only) {
        Add(LocalToEpochMs(date, 17 * 60 + 40), "bundle", {{"outlet", o.id}});
        continue;
      }
      const std::vector<int> times = index == 1 ? std::vector<int>{17 * 60 + 50}
                                                : std::vector<int>{10 * 60, 12 * 60 + 5, 15 * 60 + 30, 17 * 60 + 50};
      for (int minute : times) Add(LocalToEpochMs(date, minute), "sync", {{"outlet", o.id}});
    }
  }

  // One helper charges a fee (S-rules forbid any): the fee_violations figure.
  void ChargeOneFee() {
    if (apps_.empty()) return;
    PlannedEvent& e = plan_.events[apps_[static_cast<size_t>(rng_.Below(static_cast<int>(apps_.size())))]];
    e.args["record"]["fee_cents"] = 2000;
    fee_outlet_ = e.args["outlet"].get<std::string>();
    fee_at_ = e.at_ms;
    ++fee_violations_;
  }

  void FileComplaints(const std::vector<int64_t>& days) {
    const int count = 1 + static_cast<int>(apps_.size()) / 25;
    for (int k = 0; k < count; ++k) {
      std::string outlet, category;
      int64_t at;
      if (k == 0 && !fee_outlet_.empty()) {  // the applicant who paid complains that afternoon
        outlet = fee_outlet_;
        category = "fee_charged";
        at = InWorkingHours(options_.calendar, fee_at_ + 30 * kMinuteMs);
      } else {
        outlet = rng_.Pick(plan_.outlets).id;
        category = rng_.Pick(std::vector<std::string>{"slow", "attitude", "cannot_help", "other"});
        at = LocalToEpochMs(CivilFromDays(days[static_cast<size_t>(rng_.Below(static_cast<int>(days.size())))]),
                            OpeningMinute(rng_, 17 * 60));
      }
      if (!InPlan(at)) continue;
      const std::string key = "complaint-" + std::to_string(k + 1);
      const std::string text = category == "fee_charged" ? "帮办网点收了二十元手续费" : rng_.Pick(kComplaintTexts);
      Add(at, "submit",
          {{"outlet", outlet},
           {"key", key},
           {"record", {{"type", "complaint.file"}, {"outlet_id", outlet}, {"category", category}, {"text", text}}}});
      ++complaints_;
      const bool upheld = category == "fee_charged" || rng_.Percent(50);
      const int64_t verdict = InWorkingHours(options_.calendar, at + rng_.Between(60, 180) * kMinuteMs);
      if (!InPlan(verdict)) continue;
      const std::string county = outlet.substr(0, outlet.find('-'));
      const char* reason = upheld ? "经核实，情况属实" : "经核实，网点已按规定办理";
      Json args = {{"county", county}, {"complaint", key}, {"upheld", upheld}, {"reason", reason}};
      args["deduction"] = upheld ? (category == "fee_charged" ? 2 : 1) : 0;
      Add(verdict, "verdict", args);
      if (upheld) ++upheld_;
    }
  }

 public:
  Json Totals() const {
    Json by_kind = Json::object(), by_county = Json::object(), outlets_by_kind = Json::object();
    for (const auto& [k, n] : by_kind_) by_kind[k] = n;
    for (const auto& [k, n] : by_county_) by_county[k] = n;
    for (const PlannedOutlet& o : plan_.outlets) outlets_by_kind[o.kind] = outlets_by_kind.value(o.kind, 0) + 1;
    return {{"applications", apps_.size()},
            {"by_kind", by_kind},
            {"by_county", by_county},
            {"fee_violations", fee_violations_},
            {"complaints", complaints_},
            {"upheld_complaints", upheld_},
            {"ratings", ratings_},
            {"corrections", corrections_},
            {"rejections", rejections_},
            {"approvals", approvals_},
            {"late_cases", late_},
            {"outlets", plan_.outlets.size()},
            {"outlets_by_kind", outlets_by_kind}};
  }

 private:
  PlanOptions options_;
  const std::vector<County>& map_;
  Rng rng_;
  CityPlan plan_;
  std::vector<size_t> apps_;  // indices of the app.submit events
  std::map<std::string, int> by_kind_, by_county_;
  std::string fee_outlet_;
  int64_t fee_at_ = 0;
  int fee_violations_ = 0, complaints_ = 0, upheld_ = 0, ratings_ = 0, corrections_ = 0, rejections_ = 0,
      approvals_ = 0, late_ = 0;
};

}  // namespace

std::string UsccWithCheck(const std::string& first17) {
  int sum = 0;
  for (size_t i = 0; i < 17 && i < first17.size(); ++i) {
    const char* at = std::strchr(kUsccAlphabet, first17[i]);
    sum += static_cast<int>(at - kUsccAlphabet) * kUsccWeights[i];
  }
  const int check = (31 - sum % 31) % 31;
  return first17 + kUsccAlphabet[check];
}

std::string IdNumberWithCheck(const std::string& first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17 && i < first17.size(); ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + "10X98765432"[sum % 11];
}

CityPlan MakePlan(const PlanOptions& options, const std::vector<County>& map) {
  if (options.counties < 1 || options.counties > static_cast<int>(map.size())) {
    throw Error(ErrorCode::kUsage,
                "--counties must be 1 to " + std::to_string(map.size()) + " (the counties Yuncheng's map lists)");
  }
  if (options.outlets < 1 || options.outlets > kMaxOutletsPerCounty) {
    throw Error(ErrorCode::kUsage, "--outlets must be 1 to " + std::to_string(kMaxOutletsPerCounty) + " per county");
  }
  if (options.days < 1 || options.days > kMaxDays) {
    throw Error(ErrorCode::kUsage, "--days must be 1 to " + std::to_string(kMaxDays) + " working days");
  }
  if (!IsValidDate(options.start)) throw Error(ErrorCode::kUsage, "--start must be a date such as 2026-03-02");
  return Planner(options, map).Make();
}

Json CityPlan::Totals() const { return totals_; }

Json CityPlan::ToJson() const {
  Json counties_json = Json::array(), outlets_json = Json::array(), events_json = Json::array();
  for (const PlannedCounty& c : counties) {
    counties_json.push_back({{"code", c.code}, {"name", c.name}, {"reviewers", c.reviewers}});
  }
  for (const PlannedOutlet& o : outlets) {
    outlets_json.push_back({{"id", o.id},
                            {"county", o.county},
                            {"name", o.name},
                            {"kind", o.kind},
                            {"township", o.township},
                            {"township_code", o.township_code},
                            {"village", o.village},
                            {"relay", o.relay},
                            {"relays", o.relays},
                            {"bundle_only", o.bundle_only},
                            {"daemon", o.daemon}});
  }
  for (const PlannedEvent& e : events) {
    events_json.push_back({{"at", FormatRfc3339(e.at_ms)}, {"at_ms", e.at_ms}, {"what", e.what}, {"args", e.args}});
  }
  return {{"seed", options.seed},  {"counties", counties_json},    {"outlets", outlets_json},
          {"events", events_json}, {"end", FormatRfc3339(end_ms)}, {"end_ms", end_ms},
          {"totals", totals_}};
}

}  // namespace bangban
