// Case evidence: a self-contained file that proves one application's timeline offline, with no
// store at all (docs/records.md "Evidence files"). It holds every record of the case exactly as
// its author signed it, and for each a receipt of the exporting hub (storage/transparency_log.h:
// the leaf with its receipt time, the inclusion path and a tree head the hub signed). Checking it
// needs only the hub's public key: every signature, every receipt, and that every record is
// about the case.
//
// Exported at the city, the file also carries the county's receipts: for each record the county
// hub has published in its log (county_witness.h), the county's leaf with its receipt time, the
// latest tree head the county signed and the inclusion path, as replicated to the city; and the
// city's key.enroll record of that county hub, which ties its key to the city's. So the file
// proves the county's own timeline offline too.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "protocol/record.h"
#include "storage/transparency_log.h"

namespace bangban {

inline constexpr std::string_view kEvidenceFormat = "bangban-evidence/1";
// An evidence file larger than this is refused before it is parsed.
inline constexpr size_t kMaxEvidenceBytes = 16 * 1024 * 1024;
// Records of one case in a file, at most.
inline constexpr size_t kMaxEvidenceRecords = 10'000;

struct CaseEvidence {
  struct Entry {
    Record record;
    Receipt receipt;
    std::optional<Receipt> county_receipt;  // the county hub's, when it has published the leaf
  };
  PublicKey hub{};
  std::string app_id, county, outlet_id;
  std::optional<PublicKey> county_hub;      // whose county receipts the entries carry
  std::optional<Record> county_enrollment;  // hub's key.enroll of county_hub
  std::vector<Entry> entries;               // in the case's history order

  // {"format", "hub", "app_id", "county", "outlet_id", ["county_hub": hex key,
  // "county_enrollment": hex wire,] "records": [{"record": hex wire, "receipt":
  // Receipt::ToJson[, "county_receipt": Receipt::ToJson]}]}.
  Json ToJson() const;
  // Written to FILE.partial, then renamed: a file that exists is complete.
  void Write(const std::filesystem::path& file) const;

  // Reads a file: a regular file of at most kMaxEvidenceBytes, JSON of the shape above, every
  // record decodes. Error(ErrorCode::kInput) if it cannot be read, Error(ErrorCode::kMalformed)
  // naming what is wrong (a truncated or altered file usually fails here).
  static CaseEvidence Read(const std::filesystem::path& file);

  // The timeline, after checking everything: each record's signature (bad_signature), its
  // receipt against the file's hub and, if given, `expected_hub` (bad_receipt), that the receipt
  // is for that record, and that every record is about the case (malformed); each county
  // receipt is for its record and verifies against county_hub and, if given, `expected_county`
  // (bad_receipt), and the county enrollment is the hub's signed key.enroll of county_hub as a
  // county hub of `county` (bad_signature, bad_receipt). Throws the first problem; returns
  // [{"at", "type", "author", "seq", "id", "index", "county_at", "county_index"}] by receipt
  // time (county_at and county_index null without a county receipt).
  Json Verify(const std::optional<PublicKey>& expected_hub,
              const std::optional<PublicKey>& expected_county = std::nullopt) const;
};

struct CountyLog;

// The county's receipts of records `ids` from its published log as this store holds it: for a
// record whose leaf the county's latest verified tree head covers, the leaf, that head and the
// inclusion path; nullopt for one the county has not published yet.
std::vector<std::optional<Receipt>> CountyReceipts(const CountyLog& log, const std::vector<RecordId>& ids);

}  // namespace bangban
