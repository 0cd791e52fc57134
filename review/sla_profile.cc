#include "review/sla_profile.h"

#include <algorithm>
#include <tuple>

#include "crypto/coding.h"
#include "crypto/error.h"
#include "protocol/schema.h"  // Json

namespace bangban {
namespace {

// from_ms (sign-biased big-endian, so byte order is time order) || id (big-endian).
Bytes EntryKey(int64_t from_ms, uint32_t id) {
  Bytes key;
  PutSortableInt64(key, from_ms);
  PutBigEndian32(key, id);
  return key;
}

Json SettingsToJson(const SlaSettings& s) {
  return {{"policy", std::string(ToString(s.policy))},
          {"target_minutes", s.target_minutes},
          {"warn_ratio", s.warn_ratio},
          {"late_return_ratio", s.late_return_ratio},
          {"statutory_working_days", s.statutory_working_days},
          {"working_day_minutes", s.working_day_minutes}};
}

SlaSettings SettingsFromJson(const Json& j) {
  SlaSettings s;
  s.policy = ParseSlaPolicy(j.at("policy").get<std::string>()).value_or(SlaPolicy::kSession);
  s.target_minutes = j.at("target_minutes");
  s.warn_ratio = j.at("warn_ratio");
  s.late_return_ratio = j.at("late_return_ratio");
  s.statutory_working_days = j.at("statutory_working_days");
  s.working_day_minutes = j.at("working_day_minutes");
  return s;
}

}  // namespace

bool SlaProfile::SameRules(const SlaSettings& o, const std::string& other_fingerprint) const {
  const SlaSettings& s = settings;
  return fingerprint == other_fingerprint && s.policy == o.policy && s.target_minutes == o.target_minutes &&
         s.warn_ratio == o.warn_ratio && s.late_return_ratio == o.late_return_ratio &&
         s.statutory_working_days == o.statutory_working_days && s.working_day_minutes == o.working_day_minutes;
}

SlaProfileTable::SlaProfileTable(LmdbEnv& env) : env_(env), dbi_(env.OpenDb("sla_profiles")) {
  auto profile = std::make_shared<SlaProfile>();
  profile->calendar = WorkCalendar::WeekdaysOnly();
  profile->fingerprint = profile->calendar.Fingerprint();
  default_ = std::move(profile);
}

std::vector<SlaProfileTable::Entry> SlaProfileTable::Entries(const LmdbTxn& txn) const {
  std::vector<Entry> entries;
  LmdbCursor cursor(txn, dbi_);
  for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
    ByteView key = cursor.key();
    if (key.size() != 12) throw Error(ErrorCode::kProjection, "sla_profiles: a key of the wrong size");
    entries.push_back({SignedFromSortable(DecodeBigEndian64(key.data())), DecodeBigEndian32(key.data() + 8)});
  }
  return entries;
}

std::shared_ptr<const SlaProfile> SlaProfileTable::Load(const LmdbTxn& txn, const Entry& entry) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(entry.id); it != cache_.end()) return it->second;
  }
  auto value = txn.Get(dbi_, EntryKey(entry.from_ms, entry.id));
  if (!value) throw Error(ErrorCode::kProjection, "sla_profiles: profile " + std::to_string(entry.id) + " is missing");
  Json j = Json::parse(AsChars(*value));
  auto profile = std::make_shared<SlaProfile>();
  profile->id = entry.id;
  profile->effective_from_ms = entry.from_ms;
  profile->settings = SettingsFromJson(j.at("settings"));
  for (const Json& c : j.at("calendars")) profile->calendars.push_back({c.at("name"), c.at("text")});
  profile->calendar = CalendarFromSources(profile->calendars);
  profile->fingerprint = profile->calendar.Fingerprint();
  if (profile->fingerprint != j.at("fingerprint").get<std::string>()) {
    // The stored text no longer gives the stored fingerprint: the calendar code's notion of the
    // content changed. Refuse rather than silently compute deadlines with other rules.
    throw Error(ErrorCode::kProjection, "sla_profiles: profile " + std::to_string(entry.id) +
                                            " no longer gives its recorded calendar fingerprint");
  }
  std::lock_guard lock(mutex_);
  return cache_.emplace(entry.id, std::move(profile)).first->second;
}

uint32_t SlaProfileTable::Register(const SlaSettings& settings, const std::vector<CalendarSource>& calendars,
                                   int64_t now_ms, int64_t not_before_ms) {
  const std::string fingerprint = CalendarFromSources(calendars).Fingerprint();
  uint32_t result = 0;
  // Read first: almost every time the rules are unchanged and no write is needed.
  bool same = false;
  env_.Read([&](LmdbTxn& txn) {
    std::vector<Entry> entries = Entries(txn);
    auto latest =
        std::max_element(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
    if (latest != entries.end() && Load(txn, *latest)->SameRules(settings, fingerprint)) {
      same = true;
      result = latest->id;
    }
  });
  if (same) return result;
  env_.Write([&](LmdbTxn& txn) {
    std::vector<Entry> entries = Entries(txn);
    uint32_t last_id = 0;
    int64_t from_ms = std::max(now_ms, not_before_ms);
    for (const Entry& e : entries) {
      last_id = std::max(last_id, e.id);
      from_ms = std::max(from_ms, e.from_ms + 1);
    }
    if (last_id > 0) {
      auto latest = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.id == last_id; });
      if (Load(txn, *latest)->SameRules(settings, fingerprint)) {  // another process got there first
        result = last_id;
        return;
      }
    }
    result = last_id + 1;
    Json calendars_json = Json::array();
    for (const CalendarSource& c : calendars) calendars_json.push_back({{"name", c.name}, {"text", c.text}});
    Json j = {{"id", result},
              {"effective_from_ms", from_ms},
              {"settings", SettingsToJson(settings)},
              {"calendars", calendars_json},
              {"fingerprint", fingerprint}};
    txn.Put(dbi_, EntryKey(from_ms, result), AsBytes(j.dump()));
  });
  return result;
}

std::shared_ptr<const SlaProfile> SlaProfileTable::At(const LmdbTxn& txn, int64_t at_ms) {
  std::vector<Entry> entries = Entries(txn);
  if (entries.empty()) return default_;
  auto order = [](const Entry& a, const Entry& b) { return std::tie(a.from_ms, a.id) < std::tie(b.from_ms, b.id); };
  const Entry* chosen = nullptr;
  for (const Entry& e : entries) {
    if (e.from_ms <= at_ms && (chosen == nullptr || order(*chosen, e))) chosen = &e;
  }
  if (chosen == nullptr) chosen = &*std::min_element(entries.begin(), entries.end(), order);
  return Load(txn, *chosen);
}

std::shared_ptr<const SlaProfile> SlaProfileTable::ById(const LmdbTxn& txn, uint32_t id) {
  if (id == 0) return default_;
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(id); it != cache_.end()) return it->second;
  }
  for (const Entry& e : Entries(txn)) {
    if (e.id == id) return Load(txn, e);
  }
  throw Error(ErrorCode::kProjection,
              "sla_profiles: profile " + std::to_string(id) + " is missing; run bangban-hub reindex");
}

std::vector<std::shared_ptr<const SlaProfile>> SlaProfileTable::All(const LmdbTxn& txn) {
  std::vector<std::shared_ptr<const SlaProfile>> all;
  for (const Entry& e : Entries(txn)) all.push_back(Load(txn, e));
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a->id < b->id; });
  return all;
}

}  // namespace bangban
