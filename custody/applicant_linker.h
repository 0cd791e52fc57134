// ApplicantLinker: the county hub's pass that links each received application to a keyed
// pseudonym of its applicant's ID number, writing one signed `applicant.link` record per
// app.submit of this county (docs/personal-data.md, "Pseudonyms").
//
// It runs off the ingest path (the daemon runs a bounded batch each second; `bangban-hub link`
// runs it to the end), so opening boxes never slows replication. It walks the hub's
// transparency log, which lists every stored record once in the order this hub stored it, from
// a durable cursor (the meta value kLinkCursorMeta): the links a batch makes and the cursor past
// them are committed in one transaction, so a crash at any instant neither loses a link nor
// writes one twice; and a submit that already has a link of this hub is never linked again. A
// box that cannot be opened (sealed to another key, altered) gets no link: it is counted and
// logged (without personal data), never a reason to stop.
//
// The same walk keeps the county's index of unreadable boxes (custody/unreadable_boxes.h): the
// entries of a batch and the index's cursor are committed with the links.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/identity.h"
#include "crypto/pseudonym.h"
#include "custody/sealing_keys.h"
#include "custody/unreadable_boxes.h"
#include "review/applicant_links.h"
#include "storage/feed_store.h"
#include "storage/transparency_log.h"

namespace bangban {

// The linker's cursor: the index of the next transparency-log leaf to look at (8 bytes BE).
inline constexpr std::string_view kLinkCursorMeta = "link_cursor";

struct LinkPass {
  uint64_t scanned = 0;     // log leaves looked at (for links or for unreadable boxes)
  uint64_t linked = 0;      // applicant.link records written
  uint64_t unopenable = 0;  // app.submit boxes that could not be opened (no link)
  uint64_t cursor = 0;      // the cursor afterwards
  bool caught_up = false;   // the whole log was looked at
};

class ApplicantLinker {
 public:
  // All are the county hub's own; they must outlive the linker.
  // `sealing_keys` opens the boxes (custody/applicant_box.h).
  ApplicantLinker(FeedStore& store, const TransparencyLog& log, const SigningKey& hub_key,
                  const SealingKeys& sealing_keys, const PseudonymKey& pseudonym_key, const ApplicantLinks& links,
                  std::string county);

  // Looks at up to `max_leaves` log leaves from the cursor and links the app.submit records of
  // this county's outlets among them: one transaction. Errors from the store (e.g. "behind":
  // the hub's own feed is behind upstream) leave the cursor where it was.
  LinkPass RunBatch(size_t max_leaves);
  // Batches until the log is looked at to its end, or `stop` is set.
  LinkPass RunToEnd(const std::atomic<bool>* stop = nullptr, size_t batch = 1000);

  // The boxes of this county that cannot be opened now (UnreadableBoxIndex::List).
  std::vector<UnreadableBox> UnreadableBoxes(size_t limit) const { return boxes_.List(limit); }

 private:
  uint64_t Cursor() const;
  // Whether `submit` is an app.submit of an outlet of this county that this hub has not linked.
  bool NeedsLink(const Record& submit, std::string* outlet_id) const;

  FeedStore& store_;
  const TransparencyLog& log_;
  const SigningKey& hub_key_;
  const SealingKeys& sealing_keys_;
  const PseudonymKey& pseudonym_key_;
  const ApplicantLinks& links_;
  std::string county_;
  UnreadableBoxIndex boxes_;
  std::mutex mutex_;  // one pass at a time (the daemon's loop and a handed-over `link`)
};

}  // namespace bangban
