// ApplicantCustody: the county hub's custody of applicant data. An outlet seals the applicant's
// clear ID number and name to the county hub (node/intake.cc); only that hub can open the box,
// and it opens one only for an active reviewer of its own who states a purpose, and only after
// it has appended a signed `pii.access` record (who, which application, purpose, when; no
// personal data) to its own feed. The append is durable before the box is opened, so an opening
// that cannot be logged does not happen, and the access log replicates to the city like every
// other record. docs/personal-data.md describes what is stored where and who may read it.
#pragma once

#include <string>

#include "crypto/identity.h"
#include "custody/sealing_keys.h"
#include "review/case_book.h"
#include "review/operator_roster.h"
#include "storage/feed_store.h"

namespace bangban {

struct OpenRequest {
  std::string app_id;
  std::string outlet_id;  // which outlet's application; may be empty when one outlet filed app_id
  std::string reviewer;   // the operator who asks
  std::string purpose;    // why, in the reviewer's words (recorded in the pii.access record)
};

// What an opening shows. `id_number` and `name` are personal data: print them to the reviewer
// and keep them nowhere.
struct OpenedApplicant {
  Record access;  // the pii.access record appended before the box was opened
  std::string app_id, outlet_id;
  std::string id_number, name, name_masked;
};

class ApplicantCustody {
 public:
  // `hub_key` is the county hub's identity: it signs the access records. `keys` opens the boxes
  // (with the sealing key the box names; a box of an older record names none: the identity key).
  ApplicantCustody(FeedStore& store, const SigningKey& hub_key, const CaseBook& cases, const OperatorRoster& operators,
                   const SealingKeys& keys);

  // Appends the pii.access record, then opens the application's box. Errors, each before
  // anything is written: "not_custodian" (this is the city hub, or a hub of no county), "usage"
  // (no purpose, or one longer than 512 bytes), "not_operator" (request.reviewer is not an
  // active reviewer of this hub), "unknown_app" / "ambiguous_app" (as for a review). After the
  // record is written: "unseal_failed" (the box was not sealed to this hub, or was altered),
  // "key_shredded" (its sealing key was shredded: no one can open it), "sealing_key_missing" —
  // the attempt stays in the access log.
  OpenedApplicant Open(const OpenRequest& request);

 private:
  // The outlet whose application of app_id the request means (as CaseBook resolves a review's).
  std::string ResolveOutlet(const OpenRequest& request) const;
  Record SubmitRecord(const std::string& app_id, const std::string& outlet_id) const;

  FeedStore& store_;
  const SigningKey& hub_key_;
  const CaseBook& cases_;
  const OperatorRoster& operators_;
  const SealingKeys& keys_;
};

}  // namespace bangban
