#include "custody/applicant_custody.h"

#include <sodium.h>

#include <algorithm>

#include "crypto/error.h"
#include "custody/applicant_box.h"

namespace bangban {
namespace {

constexpr size_t kMaxPurposeBytes = 512;

std::string JoinOutlets(const std::vector<std::string>& outlets) {
  std::string out;
  for (const std::string& outlet : outlets) out += (out.empty() ? "" : ", ") + outlet;
  return out;
}

}  // namespace

ApplicantCustody::ApplicantCustody(FeedStore& store, const SigningKey& hub_key, const CaseBook& cases,
                                   const OperatorRoster& operators, const SealingKeys& keys)
    : store_(store), hub_key_(hub_key), cases_(cases), operators_(operators), keys_(keys) {}

std::string ApplicantCustody::ResolveOutlet(const OpenRequest& request) const {
  const std::string& county = cases_.hub().county;
  const std::vector<std::string> filed_by = cases_.FiledBy(request.app_id, county);
  if (filed_by.empty()) {
    throw Error(ErrorCode::kUnknownApp, "no application '" + request.app_id +
                                            "' has been received by this hub (county " + county +
                                            "); nothing was opened or written");
  }
  if (!request.outlet_id.empty()) {
    if (std::find(filed_by.begin(), filed_by.end(), request.outlet_id) == filed_by.end()) {
      throw Error(ErrorCode::kUnknownApp, "no application '" + request.app_id + "' of outlet " + request.outlet_id +
                                              " has been received by this hub; it was filed by " +
                                              JoinOutlets(filed_by) + ": give --outlet with one of them");
    }
    return request.outlet_id;
  }
  if (filed_by.size() > 1) {
    throw Error(ErrorCode::kAmbiguousApp, "app_id " + request.app_id + " was filed by " + JoinOutlets(filed_by) +
                                              "; they are different applicants: say which with --outlet OUTLET_ID");
  }
  return filed_by.front();
}

Record ApplicantCustody::SubmitRecord(const std::string& app_id, const std::string& outlet_id) const {
  std::optional<CaseFile> file = cases_.Find(app_id, cases_.hub().county, outlet_id);
  if (file) {
    for (const CaseEvent& e : file->events) {
      if (e.action != CaseAction::kSubmit || e.fate != EventFate::kApplied) continue;
      if (std::optional<Record> record = store_.GetBySeq(e.author, e.seq)) return *record;
    }
  }
  throw Error(ErrorCode::kUnknownApp,
              "the app.submit of app " + app_id + " of outlet " + outlet_id + " is not held by this hub");
}

OpenedApplicant ApplicantCustody::Open(const OpenRequest& request) {
  const ReviewingHub& hub = cases_.hub();
  if (hub.role != "county") {
    throw Error(ErrorCode::kNotCustodian,
                "applicant data is opened only at the county hub it was sealed to; this is the city hub, which "
                "holds no key that opens it");
  }
  if (request.purpose.empty() || request.purpose.size() > kMaxPurposeBytes) {
    throw Error(ErrorCode::kUsage, "--purpose is required: why the applicant's data is needed (at most 512 bytes)");
  }
  operators_.RequireActive(request.reviewer, kReviewerRole, "open applicant data");
  const std::string outlet_id = ResolveOutlet(request);
  const Record submit = SubmitRecord(request.app_id, outlet_id);
  const Json& applicant = submit.body()["applicant"];

  // The trace first: durable (one committed transaction) before the box is touched.
  const RecordId& submit_id = submit.id();
  Json body = {{"app_id", request.app_id},
               {"outlet_id", outlet_id},
               {"reviewer", request.reviewer},
               {"purpose", request.purpose},
               {"submit", Json::binary(Bytes(submit_id.begin(), submit_id.end()))}};
  OpenedApplicant out{store_.AppendOwn(hub_key_, {{"pii.access", body}}).front(),
                      request.app_id,
                      outlet_id,
                      "",
                      "",
                      applicant["name_masked"].get<std::string>()};

  ClearApplicant clear = OpenApplicantBox(keys_, submit);
  out.id_number = clear.id_number;
  out.name = clear.name;
  return out;
}

}  // namespace bangban
