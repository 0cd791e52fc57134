#include "oversight/annual_reports.h"

#include <algorithm>
#include <map>
#include <set>

#include "protocol/civil_time.h"

namespace bangban {

std::vector<ReminderDue> DueReminders(const CountyCensus& c, const std::string& hub_key_hex, int64_t now_ms,
                                      const OversightConfig& config) {
  const CivilDate today = LocalDate(now_ms);
  const int year = today.year - 1;  // the report year whose window is open
  const int64_t opens = LocalMidnightMs(DaysFromCivil({today.year, 1, 1}));
  const int64_t closes = LocalMidnightMs(DaysFromCivil({today.year, 7, 1}));
  const int64_t second =
      LocalMidnightMs(DaysFromCivil({today.year, config.second_reminder_month, config.second_reminder_day}));
  if (now_ms >= closes) return {};
  // Indexed first: a county knows tens of thousands of entities.
  std::set<std::string> filed;
  for (const Cited& f : c.filings) {
    if (f.body["year"] == year) filed.insert(f.body["uscc"].get<std::string>());
  }
  std::map<std::string, int64_t> latest_sent;
  for (const Cited& r : c.reminders) {
    if (r.author != hub_key_hex || r.body["year"] != year) continue;
    int64_t& latest = latest_sent[r.body["uscc"].get<std::string>()];
    latest = std::max(latest, r.ts);
  }
  std::vector<ReminderDue> due;
  for (const auto& [uscc, entity] : c.entities) {
    if (entity.established_year > year || entity.outlet_id.empty() || filed.count(uscc)) continue;
    auto sent = latest_sent.find(uscc);
    const int64_t latest = sent == latest_sent.end() ? 0 : sent->second;
    const bool opening_owed = latest < opens;
    const bool second_owed = now_ms >= second && latest < second;
    if (opening_owed || second_owed) due.push_back({uscc, entity.outlet_id, year});
  }
  return due;
}

}  // namespace bangban
