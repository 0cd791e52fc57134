// Case evidence: a self-contained file that proves one application's timeline offline, with no
// store at all (docs/records.md "Evidence files"). It holds every record of the case exactly as
// its author signed it, and for each a receipt of the exporting hub (storage/transparency_log.h:
// the leaf with its receipt time, the inclusion path and a tree head the hub signed). Checking it
// needs only the hub's public key: every signature, every receipt, and that every record is
// about the case.
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
  };
  PublicKey hub{};
  std::string app_id, county, outlet_id;
  std::vector<Entry> entries;  // in the case's history order

  // {"format", "hub", "app_id", "county", "outlet_id", "records": [{"record": hex wire,
  // "receipt": Receipt::ToJson}]}.
  Json ToJson() const;
  // Written to FILE.partial, then renamed: a file that exists is complete.
  void Write(const std::filesystem::path& file) const;

  // Reads a file: a regular file of at most kMaxEvidenceBytes, JSON of the shape above, every
  // record decodes. Error(ErrorCode::kInput) if it cannot be read, Error(ErrorCode::kMalformed)
  // naming what is wrong (a truncated or altered file usually fails here).
  static CaseEvidence Read(const std::filesystem::path& file);

  // The timeline, after checking everything: each record's signature (bad_signature), its
  // receipt against the file's hub and, if given, `expected_hub` (bad_receipt), that the receipt
  // is for that record, and that every record is about the case (malformed). Throws the first
  // problem; returns [{"at", "type", "author", "seq", "id", "index"}] by receipt time.
  Json Verify(const std::optional<PublicKey>& expected_hub) const;
};

}  // namespace bangban
