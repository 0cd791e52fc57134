#include "custody/applicant_linker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "crypto/coding.h"
#include "crypto/error.h"
#include "custody/applicant_box.h"

namespace bangban {

ApplicantLinker::ApplicantLinker(FeedStore& store, const TransparencyLog& log, const SigningKey& hub_key,
                                 const SealingKeys& sealing_keys, const PseudonymKey& pseudonym_key,
                                 const ApplicantLinks& links, std::string county)
    : store_(store),
      log_(log),
      hub_key_(hub_key),
      sealing_keys_(sealing_keys),
      pseudonym_key_(pseudonym_key),
      links_(links),
      county_(county),
      boxes_(store, log, sealing_keys, std::move(county)) {}

uint64_t ApplicantLinker::Cursor() const {
  std::optional<Bytes> value = store_.GetMeta(kLinkCursorMeta);
  if (!value) return 0;
  ByteView view(*value);
  std::optional<uint64_t> cursor = GetBigEndian64(view);
  if (!cursor || !view.empty()) {
    throw Error(ErrorCode::kProjection, "the meta value link_cursor is damaged; nothing was linked");
  }
  return *cursor;
}

bool ApplicantLinker::NeedsLink(const Record& submit, std::string* outlet_id) const {
  if (submit.type() != "app.submit") return false;
  std::optional<Enrollment> author = store_.FindEnrollment(submit.author());
  if (!author || author->role != "outlet" || author->county != county_) return false;  // not this county's case
  if (links_.LinkOf(hub_key_.public_key(), submit.id())) return false;                 // linked already
  *outlet_id = author->outlet_id;
  return true;
}

LinkPass ApplicantLinker::RunBatch(size_t max_leaves) {
  std::lock_guard<std::mutex> lock(mutex_);
  LinkPass pass;
  const uint64_t link_from = Cursor();
  // The box index's cursor equals the linker's, except in a data dir made before the index:
  // then the walk goes over the leaves linked already once more, for boxes only.
  const uint64_t box_from = boxes_.Cursor();
  const uint64_t from = std::min(link_from, box_from);
  std::vector<LogEntry> leaves;
  store_.env().Read([&](LmdbTxn& txn) {
    for (uint64_t i = from; i < from + max_leaves; ++i) {
      std::optional<LogEntry> entry = log_.EntryAt(txn, i);
      if (!entry) break;
      leaves.push_back(*entry);
    }
  });
  // Read after the leaves: a key shredded before one of them arrived is in it.
  UnreadableBoxIndex::Step boxes = boxes_.Begin(box_from, sealing_keys_.Book());
  pass.scanned = leaves.size();
  pass.caught_up = leaves.size() < max_leaves;
  const uint64_t end = from + leaves.size();
  pass.cursor = std::max(link_from, end);
  std::vector<std::pair<std::string, Json>> links;
  for (uint64_t i = from; i < end; ++i) {
    const LogEntry& leaf = leaves[i - from];
    std::optional<Record> submit = store_.Get(leaf.id);
    if (!submit) continue;
    if (i >= box_from) boxes.Look(*submit, leaf.received_ms);
    std::string outlet_id;
    if (i < link_from || !NeedsLink(*submit, &outlet_id)) continue;
    const std::string& app_id = submit->body()["app_id"].get_ref<const std::string&>();
    std::string why;
    std::optional<ClearApplicant> clear = TryOpenApplicantBox(sealing_keys_, *submit, &why);
    if (!clear) {
      ++pass.unopenable;
      spdlog::warn("applicant links: no link for app {} of outlet {}: {}", app_id, outlet_id, why);
      continue;
    }
    const Hash32 pseudonym = pseudonym_key_.PseudonymOfIdNumber(clear->id_number);
    links.push_back({"applicant.link",
                     {{"app_id", app_id},
                      {"outlet_id", outlet_id},
                      {"submit", Json::binary(Bytes(leaf.id.begin(), leaf.id.end()))},
                      {"pseudonym", Json::binary(Bytes(pseudonym.begin(), pseudonym.end()))}}});
  }
  if (pass.scanned == 0 && boxes.empty()) return pass;
  Bytes cursor;
  PutBigEndian64(cursor, pass.cursor);
  // The links, the box entries and both cursors past them: durable together, or not at all.
  pass.linked = store_
                    .AppendOwn(hub_key_, links,
                               [&](LmdbTxn& txn) {
                                 store_.PutMeta(txn, kLinkCursorMeta, cursor);
                                 boxes_.Commit(txn, boxes, std::max(box_from, end));
                               })
                    .size();
  return pass;
}

LinkPass ApplicantLinker::RunToEnd(const std::atomic<bool>* stop, size_t batch) {
  LinkPass total;
  total.cursor = Cursor();
  while (stop == nullptr || !stop->load()) {
    LinkPass pass = RunBatch(batch);
    total.scanned += pass.scanned;
    total.linked += pass.linked;
    total.unopenable += pass.unopenable;
    total.cursor = pass.cursor;
    if (pass.caught_up) {
      total.caught_up = true;
      break;
    }
  }
  return total;
}

}  // namespace bangban
