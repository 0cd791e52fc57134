// One application as the detail page shows it: the case as it stands, and the timeline of the
// signed records it was derived from, each re-verified as it is shown (its signature, and the
// hub's receipt: an inclusion proof in the hub's transparency log under a signed tree head).
// It shows no personal data: the sealed ID number and name stay sealed (opening them is the
// applicant-data work's signed access trace, not this page's).
#pragma once

#include <cstdint>

#include "protocol/schema.h"
#include "review/case_book.h"
#include "web/hub_view.h"

namespace bangban {

// {"app_id", "county", "outlet_id", "also_filed_by", "kind", "entity_type", "channel", "state",
//  "colour", "received", "deadline", "elapsed_working_minutes", "reviewer", "assigned_reviewer",
//  "uscc", "returns", "other_applications": [{"app_id", "outlet_id", "submit"}] (the same applicant's
//  other applications at this county, from applicant.link records), "timeline": [{"action", "fate", "type",
//  "record_id", "author", "author_name", "seq", "ts", "received", "reviewer", "signature_ok", "receipt": {...} | null,
//  "verified"}]}. The SLA fields (state, colour, received, deadline, completed_at,
//  elapsed_working_minutes, returns, and at the city receipts) are `figures`, as
//  ReviewFigures::CaseFigures measures them (web/review_figures.h); the timeline is this hub's.
Json CaseDetail(const HubView& hub, const CaseFile& file, const Json& figures);

// One stored record as the record page shows it (a deduction's evidence): the record's JSON
// form (protocol/record.h: sealed fields stay sealed, as hex) with "author_name", and the same
// re-verification as a timeline entry: "signature_ok", "receipt", "verified".
Json RecordDetail(const HubView& hub, const Record& record);

}  // namespace bangban
