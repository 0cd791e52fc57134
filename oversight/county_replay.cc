#include "oversight/county_replay.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

#include "crypto/error.h"
#include "oversight/county_rules.h"
#include "protocol/clock.h"

namespace bangban {

namespace {

void WriteText(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw Error(ErrorCode::kStorage, "cannot write " + file.string());
}

// The county's rules records, decoded, in feed order; the ones that do not decode are named.
std::vector<CountyRules> DecodeRules(const CountyLog& log, std::vector<Finding>& findings) {
  std::vector<CountyRules> rules;
  for (const Record& r : log.rules) {
    try {
      rules.push_back(CountyRules::FromBody(r.body()));
    } catch (const Error& e) {
      findings.push_back({"bad_rules", log.county, {ToHex(r.id())}, e.what()});
    }
  }
  return rules;
}

// hub.toml and the calendar files of the scratch hub: the county's latest rules, so that the
// case book registers nothing of its own.
void WriteConfig(const std::filesystem::path& dir, const std::vector<CountyRules>& rules) {
  std::filesystem::create_directories(dir / "calendars");
  std::vector<std::string> names;
  SlaSettings settings;
  if (!rules.empty()) {
    settings = rules.back().settings;
    for (size_t i = 0; i < rules.back().calendars.size(); ++i) {
      names.push_back("calendars/" + std::to_string(i) + ".toml");
      WriteText(dir / names.back(), rules.back().calendars[i].text);
    }
  }
  WriteText(dir / "hub.toml", SlaTomlSection(settings, names) + "\n[review]\nroster = []\n");
}

}  // namespace

CountyReplay::CountyReplay(const FeedStore& source, const CountyLog& log, const PublicKey& city_key,
                           const std::filesystem::path& scratch, int64_t until_ms)
    : source_(source), log_(log), scratch_(scratch) {
  std::vector<CountyRules> rules = DecodeRules(log, findings_);
  WriteConfig(scratch_.path, rules);

  FeedStore::Options options;
  options.roots.push_back({log.hub, "county", log.county});
  options.roots.push_back({city_key, "city", ""});
  options.require_enrollment = true;
  store_ = std::make_unique<FeedStore>(scratch_.path / "store", options);
  {
    // Every profile the county published, from its instant, before the case book registers the
    // latest (the same rules: nothing new).
    SlaProfileTable profiles(store_->env());
    for (const CountyRules& r : rules) {
      profiles.Register(r.settings, r.calendars, r.effective_from_ms, r.effective_from_ms);
    }
  }
  ReviewingHub hub{"county", log.county, log.county, city_key, log.hub, false};
  cases_ = std::make_unique<CaseBook>(*store_, CaseBook::Options{scratch_.path, hub});
  store_->AddObserver(cases_->Observer());
  AdvanceTo(until_ms);
}

void CountyReplay::AdvanceTo(int64_t until_ms) {
  const CountyLog& log = log_;
  // Batches of one receipt instant, stored at that instant, in log order.
  size_t& at = next_;
  while (at < log.leaves.size() && log.leaves[at].received_ms <= until_ms) {
    const int64_t instant = log.leaves[at].received_ms;
    std::vector<Record> batch;
    for (; at < log.leaves.size() && log.leaves[at].received_ms == instant; ++at) {
      std::optional<Record> record;
      try {
        record = source_.Get(log.leaves[at].id);
      } catch (const Error&) {
        // Damaged bytes (the store's audit names them): like a record not held.
      }
      if (!record) {
        if (!first_missing_ms_) first_missing_ms_ = instant;
        ++missing_;
        continue;
      }
      batch.push_back(std::move(*record));
    }
    if (batch.empty()) continue;
    ScopedNow clock(instant);
    for (const IngestOutcome& outcome : store_->Ingest(batch)) {
      if (outcome.kind == IngestOutcome::Kind::kAccepted || outcome.kind == IngestOutcome::Kind::kDuplicate) {
        ++replayed_;
      } else if (outcome.kind == IngestOutcome::Kind::kBuffered) {
        continue;  // after a missing record of its feed: counted as missing already
      } else if (findings_.size() < 20) {
        findings_.push_back({"replay_refused",
                             log.county,
                             {ToHex(outcome.id)},
                             "the county's log lists a record that cannot be stored in its order: " +
                                 std::string(OutcomeName(outcome.kind)) + " " + outcome.code + " " + outcome.message});
      }
    }
  }
}

void CountyReplay::FillIn() {
  next_ = log_.leaves.size();
  std::set<RecordId> logged;
  for (const LogEntry& leaf : log_.leaves) logged.insert(leaf.id);
  // (receipt here, author, seq, id): the order they reached `source`, a feed in chain order.
  std::vector<std::tuple<int64_t, PublicKey, uint64_t, RecordId>> unlogged;
  std::map<PublicKey, std::string> outlets;  // the county's feeds -> outlet id ("" for its hub)
  outlets[log_.hub] = "";
  for (const Enrollment& e : source_.Enrollments()) {
    if (e.county == log_.county && (e.role == "outlet" || e.key == log_.hub)) outlets[e.key] = e.outlet_id;
  }
  source_.ScanAll(
      [&](const Record& r) {
        if (!outlets.count(r.author()) || logged.count(r.id())) return true;
        unlogged.emplace_back(source_.ReceivedAt(r.id()).value_or(0), r.author(), r.seq(), r.id());
        return true;
      },
      [](const FeedStore::DamagedRecord&) {});  // audit names damaged records
  std::sort(unlogged.begin(), unlogged.end());
  size_t at = 0;
  while (at < unlogged.size()) {
    const int64_t instant = std::get<0>(unlogged[at]);
    std::vector<Record> batch;
    std::map<RecordId, std::pair<std::string, std::string>> of_case;  // the records of a case
    for (; at < unlogged.size() && std::get<0>(unlogged[at]) == instant; ++at) {
      std::optional<Record> record = source_.Get(std::get<3>(unlogged[at]));
      if (!record) continue;
      const Json& body = record->body();
      if (body.is_object() && body.contains("app_id") && body["app_id"].is_string()) {
        std::string outlet = outlets[record->author()];
        if (outlet.empty() && body.contains("outlet_id") && body["outlet_id"].is_string()) outlet = body["outlet_id"];
        of_case[record->id()] = {body["app_id"].get<std::string>(), outlet};
      }
      batch.push_back(std::move(*record));
    }
    ScopedNow clock(instant);
    for (const IngestOutcome& outcome : store_->Ingest(batch)) {
      auto found = of_case.find(outcome.id);
      if (found == of_case.end()) continue;  // not a case's (the county's witness records, ...)
      if (outcome.kind == IngestOutcome::Kind::kAccepted || outcome.kind == IngestOutcome::Kind::kDuplicate) {
        ++filled_in_;
        filled_in_cases_.insert(found->second);
      }
    }
  }
}

Json CountyReplay::FilledInCases() const {
  Json cases = Json::array();
  for (const auto& [app_id, outlet_id] : filled_in_cases_) {
    cases.push_back({{"county", log_.county}, {"app_id", app_id}, {"outlet_id", outlet_id}});
  }
  return cases;
}

CountyReplay::ScratchDir::ScratchDir(std::filesystem::path dir) : path(std::move(dir)) {
  // A directory left by a replay that was killed is the previous replay's: nothing else lives
  // under this name.
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
  std::filesystem::create_directories(path);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
}

CountyReplay::ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

}  // namespace bangban
