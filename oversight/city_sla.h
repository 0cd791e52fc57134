// The city's SLA figures (`report sla` and the SLA part of `report oversight` at the city hub,
// docs/sla.md "At the city"; the city's web queue and case pages): each county's applications are
// measured with the county's own receipt instants and rules, from a replay of the county's
// published log (county_replay.h), so that the city's figures for a county equal the county's own
// report to the minute however late the records reached the city. A record of the county's that
// the city holds but whose leaf has not arrived yet is measured from the city's own receipt (the
// fallback), and the report says which cases; a county that has published neither a leaf nor its
// rules yet is measured wholly with the city's receipts and rules, as before.
#pragma once

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "review/sla_report.h"
#include "storage/feed_store.h"

namespace bangban {

struct CountyLog;
class CountyReplay;

// The case books the city measures with: one replay per county hub enrolled in `store` that has
// published a log, built in directories named after `scratch` (`scratch`-COUNTY, removed again
// when this goes), and the city's own case book `city_cases` for the other counties. It is the
// store as it was when built; reports and queues over it may be asked for at any instant.
class CityCaseBooks {
 public:
  CityCaseBooks(const FeedStore& store, const CaseBook& city_cases, const PublicKey& city_key,
                const std::filesystem::path& scratch);
  ~CityCaseBooks();
  CityCaseBooks(const CityCaseBooks&) = delete;
  CityCaseBooks& operator=(const CityCaseBooks&) = delete;

  // The sources of a report or queue (review/sla_report.h): each county counted by one book.
  std::vector<SlaSource> Sources() const;
  // The book that measures `county`'s applications, and whether it is the county's replay.
  const CaseBook& BookOf(const std::string& county, bool* county_receipts = nullptr) const;
  // Whether the case (county, app_id, outlet_id) has records measured from the city's receipt
  // in its county's replay (their leaves have not arrived yet).
  bool FellBack(const std::string& county, const std::string& app_id, const std::string& outlet_id) const;
  // "county_receipts" of a report: per county, whose receipt instants are used ("county" or
  // "city"), the leaves replayed and missing, and the fallback's records and cases; and
  // "fallback_records" and "fallback_cases" over every county.
  const Json& county_receipts() const { return county_receipts_; }

 private:
  const CaseBook& city_cases_;
  // Each replay holds references to its log: both live as long as this.
  std::vector<std::unique_ptr<CountyLog>> logs_;
  std::vector<std::unique_ptr<CountyReplay>> replays_;
  std::vector<std::string> replayed_;                                     // the county of each replay
  std::set<std::tuple<std::string, std::string, std::string>> fallback_;  // county, app_id, outlet_id
  Json county_receipts_;
};

// The city's report at `options`: BuildSlaReport over CityCaseBooks, plus its "county_receipts".
Json CitySlaReport(const FeedStore& store, const CaseBook& city_cases, const PublicKey& city_key,
                   const std::filesystem::path& scratch, const SlaReportOptions& options);

}  // namespace bangban
