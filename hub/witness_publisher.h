// Witness publisher: a county hub puts its transparency log, its working rules and its report
// snapshots into its own feed, so that they replicate to the city like any record (docs/audit.md):
//
//   sla.rules        one per SLA profile it registered and has not published yet, in order;
//   log.checkpoint   the leaves logged since its previous checkpoint (at most 1,000 a record),
//                    the last record with a tree head over the whole log and the consistency
//                    proof from the previous published head;
//   report.snapshot  the snapshot document of `report sla` at that head's instant, and another
//                    of `report oversight` (the county's figures) at the same instant.
//
// A publication is one batch of the hub's feed (one transaction). Nothing is published when
// nothing but the hub's own witness records arrived since the last one, so an idle hub writes
// nothing. The running county hub publishes every ten minutes; `bangban-hub checkpoint` now.
#pragma once

#include <cstddef>
#include <string_view>

#include "storage/feed_store.h"
#include "storage/transparency_log.h"

namespace bangban {

class Hub;

// The county hub's bookkeeping in its store's meta table (FeedStore::GetMeta): the latest tree
// head it published in a log.checkpoint (binary form); the size of its log just after its latest
// witness record (8 bytes BE); the latest SLA profile it published in sla.rules (8 bytes BE).
// Written in the transaction that appends the record, so a publication and its bookkeeping never
// disagree. (Kept here rather than in storage/meta_keys.h, since only the publisher reads them.)
inline constexpr std::string_view kWitnessHeadMeta = "witness_head";
inline constexpr std::string_view kWitnessLoggedMeta = "witness_logged";
inline constexpr std::string_view kWitnessRulesMeta = "witness_rules";

struct WitnessPublication {
  size_t rules = 0;                // sla.rules records written
  size_t checkpoints = 0;          // log.checkpoint records written
  size_t snapshots = 0;            // report.snapshot records of `report sla` written
  size_t oversight_snapshots = 0;  // report.snapshot records of `report oversight` written
  uint64_t log_size = 0;           // the published head's size (0: no checkpoint)
  std::optional<TreeHead> head;
};

// The bookkeeping of the hub's own witness records (storage/meta_keys.h kWitness*), kept in the
// transaction that appends them; register after the transparency log's observer.
StoreObserver WitnessBookkeeping(const PublicKey& own_key, FeedStore& store, TransparencyLog& log);

// Publishes what is new. Error(ErrorCode::kNotCounty) at a city hub; Error(ErrorCode::kBehind)
// while the hub's own feed is behind (as any append).
WitnessPublication PublishWitness(Hub& hub);

}  // namespace bangban
