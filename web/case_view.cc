#include "web/case_view.h"

#include "protocol/clock.h"

namespace bangban {
namespace {

Json TextOrNull(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }
Json TimeOrNull(int64_t ms) { return ms > 0 ? Json(FormatRfc3339(ms)) : Json(nullptr); }

std::string_view FateName(EventFate fate) {
  switch (fate) {
    case EventFate::kApplied:
      return "applied";
    case EventFate::kIgnored:
      return "ignored";
    case EventFate::kConflict:
      return "conflict";
  }
  return "applied";
}

// Who holds `key`, as the hub's enrollments (or its own key) say.
std::string AuthorName(const HubView& hub, const HubFacts& facts, const PublicKey& key) {
  if (key == facts.key) return facts.name;
  if (auto e = hub.store().FindEnrollment(key))
    return e->outlet_id.empty() ? e->name : e->name + " (" + e->outlet_id + ")";
  return "";
}

// Signature and receipt of a stored record, re-verified now, into `entry`.
void Verify(const HubView& hub, const HubFacts& facts, const Record& record, Json& entry) {
  const bool signature_ok = record.VerifySignature();
  entry["signature_ok"] = signature_ok;
  entry["receipt"] = nullptr;
  entry["verified"] = false;
  const std::optional<Receipt> receipt = hub.ReceiptFor(record.id());
  if (receipt) {
    const bool receipt_ok = receipt->Verify(facts.key);
    entry["receipt"] = {{"index", receipt->index},
                        {"tree_size", receipt->head.size},
                        {"signed_at", FormatRfc3339(receipt->head.timestamp_ms)},
                        {"verified", receipt_ok}};
    entry["verified"] = signature_ok && receipt_ok;
  }
}

Json TimelineEntry(const HubView& hub, const HubFacts& facts, const CaseEvent& e) {
  Json entry = {{"action", std::string(ToString(e.action))},
                {"fate", std::string(FateName(e.fate))},
                {"author", KeyId(e.author)},
                {"author_name", AuthorName(hub, facts, e.author)},
                {"seq", e.seq},
                {"ts", TimeOrNull(e.ts_ms)},
                {"received", TimeOrNull(e.received_ms)},
                {"reviewer", TextOrNull(e.reviewer)},
                {"record_id", nullptr},
                {"type", nullptr},
                {"signature_ok", false},
                {"receipt", nullptr},
                {"verified", false}};
  std::optional<Record> record = hub.store().GetBySeq(e.author, e.seq);
  if (!record) return entry;
  entry["record_id"] = ToHex(record->id());
  entry["type"] = record->type();
  Verify(hub, facts, *record, entry);
  return entry;
}

}  // namespace

Json CaseDetail(const HubView& hub, const CaseFile& file, const Json& figures) {
  const HubFacts facts = hub.Facts();
  const CaseSummary& s = file.summary;
  Json detail = {{"app_id", file.app_id},
                 {"county", file.county},
                 {"outlet_id", file.outlet_id},
                 {"also_filed_by", s.also_filed_by},
                 {"kind", s.app_kind},
                 {"entity_type", s.entity_type},
                 {"channel", s.channel},
                 {"reviewer", TextOrNull(s.reviewer)},
                 {"assigned_reviewer", TextOrNull(s.assigned_reviewer)},
                 {"uscc", TextOrNull(s.uscc)}};
  detail.update(figures);
  // The same applicant's other applications at this county, from the hub's applicant.link records.
  detail["other_applications"] = hub.OtherApplications(file.app_id, file.outlet_id);
  Json timeline = Json::array();
  for (const CaseEvent& e : file.events) timeline.push_back(TimelineEntry(hub, facts, e));
  detail["timeline"] = std::move(timeline);
  return detail;
}

Json RecordDetail(const HubView& hub, const Record& record) {
  const HubFacts facts = hub.Facts();
  Json detail = record.ToJson();
  detail["author_name"] = AuthorName(hub, facts, record.author());
  Verify(hub, facts, record, detail);
  return detail;
}

}  // namespace bangban
