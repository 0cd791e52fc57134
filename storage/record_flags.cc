#include "storage/record_flags.h"

#include <cstring>
#include <map>

#include "protocol/canonical_form.h"
#include "protocol/identifiers.h"
#include "protocol/text_safety.h"

namespace bangban {

namespace {

std::string Where(const Record& r) { return "feed " + KeyId(r.author()) + " seq " + std::to_string(r.seq()); }

// Types only a hub writes: an outlet's record of one is stored but never acted on.
bool IsHubType(std::string_view type) {
  return type.starts_with("review.") || type.starts_with("key.") || type == "complaint.verdict";
}

// What a record shows by itself: its form and its text.
void FlagForm(const Record& r, std::vector<std::string>& flags) {
  if (!IsCanonical(r)) {
    flags.push_back(Where(r) + ": " + r.type() +
                    " is not in canonical form (unsorted map keys or a longer integer encoding); stored as signed");
  }
  if (const std::string unsafe = UnsafeTextInBody(r.body()); !unsafe.empty()) {
    flags.push_back(Where(r) + ": " + r.type() + " body." + unsafe + " in its text");
  }
}

// A key.enroll of an outlet that names a hub's key, or an outlet id outside the alphabet.
void FlagEnrollment(const FeedStore& store, const std::map<PublicKey, Enrollment>& enrolled, const Record& r,
                    std::vector<std::string>& flags) {
  if (r.body().value("role", "") != "outlet") return;
  PublicKey subject;
  std::memcpy(subject.data(), r.body()["key"].get_binary().data(), subject.size());
  auto e = enrolled.find(subject);
  if (subject == r.author() || store.IsRoot(subject) || (e != enrolled.end() && e->second.role != "outlet")) {
    flags.push_back(Where(r) + ": key.enroll names the hub key " + KeyId(subject) +
                    " as an outlet; a hub's key is never an outlet");
  }
  const std::string outlet_id = r.body().value("outlet_id", "");
  if (!IsValidOutletId(outlet_id)) {
    flags.push_back(Where(r) + ": key.enroll gives the outlet id '" + outlet_id +
                    "', outside the alphabet 1-64 of A-Z a-z 0-9 . _ -");
  }
}

}  // namespace

std::vector<std::string> FlagStoredRecords(const FeedStore& store, const std::string& county, size_t limit) {
  std::map<PublicKey, Enrollment> enrolled;
  for (Enrollment& e : store.Enrollments()) enrolled[e.key] = std::move(e);
  auto outlet = [&](const PublicKey& key) -> const Enrollment* {
    auto e = enrolled.find(key);
    return e != enrolled.end() && e->second.role == "outlet" && !store.IsRoot(key) ? &e->second : nullptr;
  };
  std::vector<std::string> flags;
  size_t not_listed = 0;
  std::map<PublicKey, uint64_t> other_county;  // records per feed of another county's outlet
  store.ScanAll(
      [&](const Record& r) {
        std::vector<std::string> found;
        FlagForm(r, found);
        const Enrollment* by = outlet(r.author());
        if (by != nullptr && IsHubType(r.type())) {
          found.push_back(Where(r) + ": " + r.type() + " by outlet " + by->outlet_id +
                          ": only a hub writes it; ignored by the queue and reports");
        }
        if (by != nullptr && r.type() == "finance.referral" && r.body().value("outlet_id", "") != by->outlet_id) {
          found.push_back(Where(r) + ": finance.referral names outlet " + r.body().value("outlet_id", "") +
                          " but outlet " + by->outlet_id + " wrote it; not credited to either");
        }
        if (r.type() == "key.enroll") FlagEnrollment(store, enrolled, r, found);
        if (by != nullptr && !county.empty() && by->county != county) ++other_county[r.author()];
        for (std::string& f : found) {
          if (flags.size() < limit) {
            flags.push_back(std::move(f));
          } else {
            ++not_listed;
          }
        }
        return true;
      },
      [](const FeedStore::DamagedRecord&) {});  // FeedStore::Audit names each damaged record
  // At a county hub another county's outlets are carried (the city's export holds them all),
  // one line per feed.
  for (const auto& [author, count] : other_county) {
    const Enrollment& by = enrolled.at(author);
    std::string flag = "feed " + KeyId(author) + " (outlet " + by.outlet_id + " of county " + by.county +
                       "): " + std::to_string(count) + " records of another county than this hub's (" + county +
                       "); carried, not counted in its queue or reports";
    if (flags.size() < limit) {
      flags.push_back(std::move(flag));
    } else {
      ++not_listed;
    }
  }
  if (not_listed > 0) flags.push_back("... and " + std::to_string(not_listed) + " more flags, not listed");
  return flags;
}

}  // namespace bangban
