// UnreadableBoxIndex: a county hub's durable list of the applicant and complaint boxes it cannot
// open (custody/sealing_keys.h, UnreadableBox), so that the daemon's once-a-minute pass, `report
// sla` and `audit` read a short list instead of decoding every stored record.
//
// The applicant linker (custody/applicant_linker.h) feeds it as its cursor walks the
// transparency log: each leaf is looked at once, and the entries for a batch and the index's
// cursor past them are committed in the linker's transaction, so a crash at any instant neither
// loses an entry nor leaves the cursor past a leaf that was not looked at.
//
// An entry is kept for a box that could not be opened when its leaf was looked at: its period was
// never published, or was shredded at or before the box arrived. Whether it still cannot be
// opened is decided again when the list is read, against the keys of that moment (a period
// published later makes its boxes readable). A key shredded after the walk passed a box received
// at or after the shred (possible only when the clock stood still or was stepped back) is caught
// by walking back from the cursor over the leaves received since the shred, once per shredded
// period; leaf receipt times never go backwards, so that walk ends at the first older leaf.
// Leaves the cursor has not reached yet are looked at when the list is read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "custody/sealing_keys.h"
#include "storage/feed_store.h"
#include "storage/transparency_log.h"

namespace bangban {

// The index's cursor: the number of log leaves its entries cover (8 bytes BE). A data dir made
// before the index has none: the walk then starts at leaf 0, behind the linker's cursor.
inline constexpr std::string_view kUnreadableBoxCursorMeta = "unreadable_box_cursor";

class UnreadableBoxIndex {
 public:
  // The county hub's own; they must outlive the index. `county`: boxes of outlets of this county.
  UnreadableBoxIndex(FeedStore& store, const TransparencyLog& log, const SealingKeys& sealing_keys, std::string county);

  uint64_t Cursor() const;

  // The entries of one step of the walk, collected outside any transaction and written by
  // Commit inside the linker's.
  class Step {
   public:
    // Looks at one record of the walk (a leaf at or past the cursor, or a leaf walked back to).
    void Look(const Record& record, int64_t received_ms);
    // Nothing to write but the cursor.
    bool empty() const { return entries_.empty() && shreds_seen_.empty(); }

   private:
    friend class UnreadableBoxIndex;
    Step(const UnreadableBoxIndex& index, SealingKeyBook book) : index_(index), book_(std::move(book)) {}
    const UnreadableBoxIndex& index_;
    SealingKeyBook book_;
    std::vector<std::pair<Bytes, Bytes>> entries_;  // key, value
    std::vector<std::string> shreds_seen_;          // periods walked back for
  };
  // Begins a step at `cursor` (= Cursor()): walks back for every shredded period of `book` not
  // walked back for yet. `book` must be read after the leaves of the step were.
  Step Begin(uint64_t cursor, SealingKeyBook book) const;
  // Writes the step's entries and moves the cursor to `new_cursor`, inside `txn`.
  void Commit(LmdbTxn& txn, const Step& step, uint64_t new_cursor) const;

  // The boxes that cannot be opened now, oldest feed first (feed by feed, in seq order, like
  // FeedStore::ScanAll), at most `limit`.
  std::vector<UnreadableBox> List(size_t limit) const;

 private:
  // The ids and receipt times of the leaves received at or after `since_ms`, walking back from
  // leaf `cursor` - 1.
  std::vector<LogEntry> LeavesSince(LmdbTxn& txn, uint64_t cursor, int64_t since_ms) const;

  FeedStore& store_;
  const TransparencyLog& log_;
  const SealingKeys& sealing_keys_;
  std::string county_;
  MDB_dbi db_;  // "unreadable_boxes": 'b' author seq -> entry; 's' period -> "" (walked back for)
};

}  // namespace bangban
