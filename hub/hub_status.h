// HubStatus: what `bangban-hub status` shows, as one struct. ToJson is the document
// `status --json` prints (scripts read it: its keys and shapes do not change); the text form
// reads the same fields.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/identity.h"
#include "protocol/record.h"
#include "storage/transparency_log.h"

namespace bangban {

// A key that connected to this hub's sync server: what it told us it holds against what we hold.
struct PeerReport {
  PublicKey key{};
  std::string name;       // from its enrollment; empty if none
  std::string outlet_id;  // likewise
  int64_t last_contact_ms = 0;
  uint64_t pushes = 0;
  uint64_t records_received = 0;
  uint64_t duplicates = 0;
  uint64_t backlog = 0;  // records it claimed to hold beyond our heads: a stall if it never shrinks
  std::map<std::string, uint64_t> rejections;  // by code

  std::string LastContact() const;  // RFC 3339
  // {"key", "name", "outlet_id", "last_contact" (RFC 3339), "pushes", "records_received",
  //  "duplicates", "backlog", "rejections": {code: n}}
  Json ToJson() const;
};

// One feed the hub holds.
struct FeedReport {
  PublicKey author{};
  uint64_t seq = 0;
  RecordId head{};
  std::string outlet_id;  // from the author's enrollment; empty if none
  std::string role;       // likewise, or this hub's role for its own feed

  // {"author", "seq", "head", "outlet_id", "role"}
  Json ToJson() const;
};

struct QuarantineReport {
  PublicKey author{};
  std::string reason;

  Json ToJson() const;  // {"author", "reason"}
};

struct HubStatus {
  std::string role;  // county | city
  std::string name;
  std::string county;
  PublicKey key{};
  bool simulation = false;  // a test or simulation party: a fixed clock is allowed
  uint64_t records = 0;
  uint64_t feeds = 0;
  uint64_t enrolled = 0;
  uint64_t buffered = 0;
  std::vector<QuarantineReport> quarantined;
  uint64_t clock_skewed_records = 0;
  std::optional<TreeHead> tree_head;  // none before the first signed head
  std::vector<PeerReport> peers;
  std::vector<FeedReport> heads;

  // {"role", "name", "county", "key", "simulation", "records", "feeds", "enrolled", "buffered",
  //  "quarantined": [...], "clock_skewed_records", "tree_head" (if any), "peers": [...],
  //  "heads": [...]}
  Json ToJson() const;
};

}  // namespace bangban
