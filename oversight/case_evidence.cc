#include "oversight/case_evidence.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "crypto/error.h"
#include "crypto/merkle.h"
#include "oversight/county_witness.h"
#include "protocol/clock.h"

namespace bangban {

namespace {

std::string ReadEvidenceFile(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::kInput, "cannot open evidence " + path.string() + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::kInput, path.string() + " is not a regular file; nothing was read");
  }
  if (static_cast<uint64_t>(st.st_size) > kMaxEvidenceBytes) {
    throw Error(ErrorCode::kMalformed, path.string() + " is larger than an evidence file can be (" +
                                           std::to_string(kMaxEvidenceBytes) + " bytes)");
  }
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(ErrorCode::kInput, "cannot read " + path.string() + ": " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  return text;
}

const std::string& StringField(const Json& json, const char* name) {
  auto it = json.find(name);
  if (it == json.end() || !it->is_string()) {
    throw Error(ErrorCode::kMalformed, std::string("evidence: ") + name + ": missing or not a string");
  }
  return it->get_ref<const std::string&>();
}

// The app_id a record of a case names, or "" for a record that is no part of a case.
std::string AppIdOf(const Record& record) {
  const std::string& type = record.type();
  if (type != "app.submit" && type != "app.resubmit" && type.rfind("review.", 0) != 0) return "";
  const Json& body = record.body();
  return body.contains("app_id") && body["app_id"].is_string() ? body["app_id"].get<std::string>() : "";
}

// Leaf hashes held in memory, for the Merkle algorithms.
class LeafHashes : public MerkleHashSource {
 public:
  explicit LeafHashes(std::vector<Hash32> hashes) : hashes_(std::move(hashes)) {}
  Hash32 LeafHash(uint64_t index) const override { return hashes_[index]; }

 private:
  std::vector<Hash32> hashes_;
};

void CheckCountyEnrollment(const CaseEvidence& evidence) {
  if (!evidence.county_hub) {
    if (evidence.county_enrollment)
      throw Error(ErrorCode::kMalformed, "evidence: county_enrollment without county_hub");
    return;
  }
  if (!evidence.county_enrollment) return;
  const Record& r = *evidence.county_enrollment;
  if (!r.VerifySignature()) {
    throw Error(ErrorCode::kBadSignature, "county_enrollment: the signature does not match its bytes and author");
  }
  if (r.author() != evidence.hub || r.type() != "key.enroll") {
    throw Error(ErrorCode::kBadReceipt, "county_enrollment: not a key.enroll record of hub " + KeyId(evidence.hub));
  }
  const Json& body = r.body();
  if (!body.is_object() || !body.contains("key") || !body["key"].is_binary()) {
    throw Error(ErrorCode::kBadReceipt, "county_enrollment: names no key");
  }
  const Json::binary_t& key = body["key"].get_binary();
  if (!std::equal(key.begin(), key.end(), evidence.county_hub->begin(), evidence.county_hub->end()) ||
      body.value("role", "") != "county" || body.value("county", "") != evidence.county) {
    throw Error(ErrorCode::kBadReceipt, "county_enrollment: does not enroll county hub " + KeyId(*evidence.county_hub) +
                                            " for county " + evidence.county);
  }
}

}  // namespace

std::vector<std::optional<Receipt>> CountyReceipts(const CountyLog& log, const std::vector<RecordId>& ids) {
  std::vector<std::optional<Receipt>> out(ids.size());
  if (log.heads.empty()) return out;
  const TreeHead& head = log.heads.back();
  std::vector<Hash32> hashes;
  std::map<RecordId, const LogEntry*> by_id;
  for (const LogEntry& leaf : log.leaves) {
    if (leaf.index >= head.size) break;
    hashes.push_back(MerkleLeafHash(LogLeafBytes(leaf.id, leaf.received_ms)));
    by_id.emplace(leaf.id, &leaf);
  }
  if (hashes.size() != head.size) return out;  // a head the leaves do not reach (not verified)
  LeafHashes source(std::move(hashes));
  for (size_t i = 0; i < ids.size(); ++i) {
    auto found = by_id.find(ids[i]);
    if (found == by_id.end()) continue;
    const LogEntry& leaf = *found->second;
    out[i] = Receipt{head, leaf.index, leaf.id, leaf.received_ms, MerkleInclusionProof(leaf.index, head.size, source)};
  }
  return out;
}

Json CaseEvidence::ToJson() const {
  Json records = Json::array();
  for (const Entry& e : entries) {
    Json item = {{"record", ToHex(e.record.wire())}, {"receipt", e.receipt.ToJson()}};
    if (e.county_receipt) item["county_receipt"] = e.county_receipt->ToJson();
    records.push_back(std::move(item));
  }
  Json out = {{"format", std::string(kEvidenceFormat)},
              {"hub", ToHex(hub)},
              {"app_id", app_id},
              {"county", county},
              {"outlet_id", outlet_id},
              {"records", records}};
  if (county_hub) out["county_hub"] = ToHex(*county_hub);
  if (county_enrollment) out["county_enrollment"] = ToHex(county_enrollment->wire());
  return out;
}

void CaseEvidence::Write(const std::filesystem::path& file) const {
  const std::filesystem::path partial = file.string() + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out << ToJson().dump(1) << "\n";
    out.flush();
    if (!out) throw Error(ErrorCode::kInput, "cannot write " + partial.string());
  }
  std::error_code ec;
  std::filesystem::rename(partial, file, ec);
  if (ec) throw Error(ErrorCode::kInput, "cannot rename " + partial.string() + ": " + ec.message());
}

CaseEvidence CaseEvidence::Read(const std::filesystem::path& file) {
  Json json = Json::parse(ReadEvidenceFile(file), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    throw Error(ErrorCode::kMalformed, file.string() + " is not an evidence file: not one JSON document (truncated?)");
  }
  if (StringField(json, "format") != kEvidenceFormat) {
    throw Error(ErrorCode::kMalformed, "evidence: format: not " + std::string(kEvidenceFormat));
  }
  CaseEvidence evidence;
  auto hub = FromHexFixed<32>(StringField(json, "hub"));
  if (!hub) throw Error(ErrorCode::kMalformed, "evidence: hub: not a 64-digit hex key");
  evidence.hub = *hub;
  evidence.app_id = StringField(json, "app_id");
  evidence.county = StringField(json, "county");
  evidence.outlet_id = StringField(json, "outlet_id");
  if (json.contains("county_hub")) {
    auto county_hub = FromHexFixed<32>(StringField(json, "county_hub"));
    if (!county_hub) throw Error(ErrorCode::kMalformed, "evidence: county_hub: not a 64-digit hex key");
    evidence.county_hub = *county_hub;
  }
  if (json.contains("county_enrollment")) {
    auto wire = FromHex(StringField(json, "county_enrollment"));
    if (!wire) throw Error(ErrorCode::kMalformed, "evidence: county_enrollment: not hex");
    try {
      evidence.county_enrollment = Record::Decode(*wire);
    } catch (const Error& e) {
      throw Error(ErrorCode::kMalformed, std::string("evidence: county_enrollment: ") + e.what());
    }
  }
  auto records = json.find("records");
  if (records == json.end() || !records->is_array() || records->empty()) {
    throw Error(ErrorCode::kMalformed, "evidence: records: missing or empty");
  }
  if (records->size() > kMaxEvidenceRecords) throw Error(ErrorCode::kMalformed, "evidence: records: too many");
  for (size_t i = 0; i < records->size(); ++i) {
    const Json& item = (*records)[i];
    const std::string where = "evidence: records[" + std::to_string(i) + "]";
    if (!item.is_object()) throw Error(ErrorCode::kMalformed, where + ": not an object");
    auto wire = FromHex(StringField(item, "record"));
    if (!wire) throw Error(ErrorCode::kMalformed, where + ".record: not hex");
    if (!item.contains("receipt")) throw Error(ErrorCode::kMalformed, where + ".receipt: missing");
    try {
      evidence.entries.push_back({Record::Decode(*wire), Receipt::FromJson(item["receipt"]), std::nullopt});
      if (item.contains("county_receipt")) {
        evidence.entries.back().county_receipt = Receipt::FromJson(item["county_receipt"]);
      }
    } catch (const Error& e) {
      throw Error(ErrorCode::kMalformed, where + ": " + e.what());
    }
    if (evidence.entries.back().county_receipt && !evidence.county_hub) {
      throw Error(ErrorCode::kMalformed, where + ".county_receipt: the file names no county_hub");
    }
  }
  return evidence;
}

Json CaseEvidence::Verify(const std::optional<PublicKey>& expected_hub,
                          const std::optional<PublicKey>& expected_county) const {
  if (expected_hub && *expected_hub != hub) {
    throw Error(ErrorCode::kBadReceipt,
                "the evidence names hub " + KeyId(hub) + ", not the expected hub " + KeyId(*expected_hub));
  }
  if (expected_county && county_hub != expected_county) {
    throw Error(ErrorCode::kBadReceipt,
                "the evidence carries no receipts of the expected county hub " + KeyId(*expected_county));
  }
  CheckCountyEnrollment(*this);
  bool submitted = false;
  std::vector<std::pair<int64_t, Json>> timeline;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    const std::string where = "record " + std::to_string(i) + " (" + ToHex(e.record.id()).substr(0, 16) + ")";
    if (!e.record.VerifySignature()) {
      throw Error(ErrorCode::kBadSignature, where + ": the signature does not match its bytes and author");
    }
    if (e.receipt.id != e.record.id()) {
      throw Error(ErrorCode::kBadReceipt, where + ": its receipt is for another record");
    }
    if (!e.receipt.Verify(hub)) {
      throw Error(ErrorCode::kBadReceipt,
                  where + ": its receipt does not verify against hub " + KeyId(hub) +
                      " (an altered receipt time, path or tree head, or another hub's signature)");
    }
    if (AppIdOf(e.record) != app_id) {
      throw Error(ErrorCode::kMalformed, where + ": a " + e.record.type() + " record that is not about app " + app_id);
    }
    if (e.county_receipt) {
      if (e.county_receipt->id != e.record.id()) {
        throw Error(ErrorCode::kBadReceipt, where + ": its county receipt is for another record");
      }
      if (!e.county_receipt->Verify(*county_hub)) {
        throw Error(ErrorCode::kBadReceipt, where + ": its county receipt does not verify against county hub " +
                                                KeyId(*county_hub) +
                                                " (an altered receipt time, path or tree head, or another "
                                                "hub's signature)");
      }
    }
    submitted = submitted || e.record.type() == "app.submit";
    timeline.emplace_back(
        e.receipt.received_ms,
        Json{{"at", FormatRfc3339(e.receipt.received_ms)},
             {"type", e.record.type()},
             {"author", KeyId(e.record.author())},
             {"seq", e.record.seq()},
             {"id", ToHex(e.record.id())},
             {"index", e.receipt.index},
             {"county_at", e.county_receipt ? Json(FormatRfc3339(e.county_receipt->received_ms)) : Json(nullptr)},
             {"county_index", e.county_receipt ? Json(e.county_receipt->index) : Json(nullptr)}});
  }
  if (!submitted) throw Error(ErrorCode::kMalformed, "the evidence holds no app.submit of app " + app_id);
  std::stable_sort(timeline.begin(), timeline.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Json out = Json::array();
  for (auto& [at, entry] : timeline) out.push_back(std::move(entry));
  return out;
}

}  // namespace bangban
