// Record flags: validly signed, stored records that are wrong for the party holding them
// (docs/architecture.md principle 6: stored, ignored by projections, flagged — never refused at
// ingest, which would leave a permanent gap in the author's feed). `bangban-hub audit` prints
// them as `flag:` lines; they are not damage, so an audit with flags is still clean.
#pragma once

#include <string>
#include <vector>

#include "storage/feed_store.h"

namespace bangban {

// One sentence per flagged record, feed by feed (at most `limit`, then one line counting the
// rest): a body not in canonical form; a control character or bidi override in its text; a
// review, verdict or key record by an outlet; a finance.referral naming another outlet than its
// author's; a key.enroll naming a hub's or root's key as an outlet, or an outlet id outside the
// alphabet. With `county` (a county hub's code), also one line per feed of an outlet enrolled
// for another county: carried, never counted in this county's queue or reports. Damaged stored
// records are left to FeedStore::Audit.
std::vector<std::string> FlagStoredRecords(const FeedStore& store, const std::string& county = "", size_t limit = 1000);

}  // namespace bangban
