// SLA profiles: every set of working rules (SLA settings + calendar files) the hub has run with,
// kept in its store so that "the calendar in force when a clock starts is the one used for it".
//
// When the hub opens with rules that differ from the latest profile (another calendar
// fingerprint or another setting), it registers a new profile, effective from that instant on
// the hub's clock. A case uses the profile in force at the hub receipt of its app.submit, for
// all its cycles, forever: editing a calendar file or hub.toml never rewrites a past result,
// and `reindex` reproduces every case exactly because the profiles are not a projection (they
// are not cleared with the proj_ tables). The exact rule is in docs/sla.md "Which calendar".
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "review/calendar.h"
#include "review/review_config.h"
#include "review/sla_clock.h"
#include "storage/lmdb.h"

namespace bangban {

struct SlaProfile {
  uint32_t id = 0;                // 1, 2, ... in registration order; 0 = built-in default
  int64_t effective_from_ms = 0;  // the hub's clock when it first ran with these rules
  SlaSettings settings;
  std::vector<CalendarSource> calendars;  // the files' names and exact text
  WorkCalendar calendar;                  // parsed from `calendars`
  std::string fingerprint;                // calendar.Fingerprint()

  // Same settings and same calendar content (comments and file layout do not matter).
  bool SameRules(const SlaSettings& other_settings, const std::string& other_fingerprint) const;
};

class SlaProfileTable {
 public:
  // Opens (creating) the table "sla_profiles" in `env`.
  explicit SlaProfileTable(LmdbEnv& env);

  // Registers the rules unless the latest registered profile has the same ones; returns the id
  // of the profile that now carries them. The new profile is effective from the latest of
  // `now_ms`, just after the previous profile's instant, and `not_before_ms`: effective instants
  // only grow, and a caller passes just after the latest receipt it has already used, so a
  // registration never changes the profile of a case already received, even when the clock
  // was set back.
  uint32_t Register(const SlaSettings& settings, const std::vector<CalendarSource>& calendars, int64_t now_ms,
                    int64_t not_before_ms);

  // The profile in force at `at_ms`: among profiles effective at or before it, the latest; if
  // none is (a receipt before the first registration), the first. An empty table gives the
  // built-in default.
  std::shared_ptr<const SlaProfile> At(const LmdbTxn& txn, int64_t at_ms);
  std::shared_ptr<const SlaProfile> ById(const LmdbTxn& txn, uint32_t id);

  std::vector<std::shared_ptr<const SlaProfile>> All(const LmdbTxn& txn);

 private:
  struct Entry {
    int64_t from_ms;
    uint32_t id;
  };
  std::vector<Entry> Entries(const LmdbTxn& txn) const;
  std::shared_ptr<const SlaProfile> Load(const LmdbTxn& txn, const Entry& entry);

  LmdbEnv& env_;
  MDB_dbi dbi_;
  std::mutex mutex_;  // guards cache_ (reports and ingest may run on different threads)
  std::map<uint32_t, std::shared_ptr<const SlaProfile>> cache_;  // profiles never change once written
  std::shared_ptr<const SlaProfile> default_;
};

}  // namespace bangban
