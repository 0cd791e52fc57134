// The city's SLA figures (`report sla` and the SLA part of `report oversight` at the city hub,
// docs/sla.md "At the city"): each county's applications are measured with the county's own
// receipt instants and rules, from a replay of the county's published log (county_replay.h), so
// that the city's figures for a county equal the county's own report to the minute however late
// the records reached the city. A record of the county's that the city holds but whose leaf has
// not arrived yet is measured from the city's own receipt (the fallback), and the report says
// which cases; a county that has published neither a leaf nor its rules yet is measured wholly
// with the city's receipts and rules, as before.
#pragma once

#include <filesystem>

#include "review/sla_report.h"
#include "storage/feed_store.h"

namespace bangban {

// The city's report at `options`: BuildSlaReport over the city's own case book `city_cases` (for
// the counties without a published log) and one replay per county hub enrolled in `store`,
// built in directories named after `scratch` (`scratch`-COUNTY, removed again), plus
// "county_receipts": per county, whose receipt instants were used ("county" or "city"), the
// leaves replayed and missing, and the fallback's records and cases; and "fallback_records" and
// "fallback_cases" over every county.
Json CitySlaReport(const FeedStore& store, const CaseBook& city_cases, const PublicKey& city_key,
                   const std::filesystem::path& scratch, const SlaReportOptions& options);

}  // namespace bangban
