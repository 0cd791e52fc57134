#include "oversight/annual_reports.h"

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
  std::vector<ReminderDue> due;
  for (const auto& [uscc, entity] : c.entities) {
    if (entity.established_year > year || entity.outlet_id.empty()) continue;
    bool filed = false;
    for (const Cited& f : c.filings) filed = filed || (f.body["uscc"] == uscc && f.body["year"] == year);
    if (filed) continue;
    int64_t latest_sent = 0;
    for (const Cited& r : c.reminders) {
      if (r.author == hub_key_hex && r.body["uscc"] == uscc && r.body["year"] == year) {
        latest_sent = std::max(latest_sent, r.ts);
      }
    }
    const bool opening_owed = latest_sent < opens;
    const bool second_owed = now_ms >= second && latest_sent < second;
    if (opening_owed || second_owed) due.push_back({uscc, entity.outlet_id, year});
  }
  return due;
}

}  // namespace bangban
