#include "oversight/report_snapshot.h"

#include "crypto/error.h"
#include "protocol/schema.h"

namespace bangban {

namespace {

constexpr size_t kMaxDocumentBytes = 49'152;  // the schema's limit of body.document

void Differences(const std::string& path, const Json& a, const Json& b, size_t limit, std::vector<std::string>& out) {
  if (out.size() >= limit || a == b) return;
  if (a.is_object() && b.is_object()) {
    for (const auto& item : a.items()) {
      const std::string key = item.key();
      if (!b.contains(key)) {
        if (out.size() < limit) out.push_back(path + key + ": only in the snapshot");
      } else {
        Differences(path + key + ".", item.value(), b[key], limit, out);
      }
    }
    for (const auto& item : b.items()) {
      if (!a.contains(item.key()) && out.size() < limit) out.push_back(path + item.key() + ": only recomputed");
    }
    return;
  }
  if (a.is_array() && b.is_array() && a.size() == b.size()) {
    for (size_t i = 0; i < a.size(); ++i) Differences(path + std::to_string(i) + ".", a[i], b[i], limit, out);
    return;
  }
  std::string where = path.empty() ? "document" : path.substr(0, path.size() - 1);
  out.push_back(where + ": " + a.dump() + " in the snapshot, " + b.dump() + " recomputed");
}

}  // namespace

Json SlaSnapshotDocument(const Json& report) {
  Json document = Json::object();
  for (const char* key :
       {"report", "at", "totals", "unreceived", "by_county", "by_outlet", "by_reviewer", "by_kind", "by_channel"}) {
    if (report.contains(key)) document[key] = report[key];
  }
  return document;
}

Json OversightSnapshotDocument(const Json& report) {
  Json document = Json::object();
  for (const char* key : {"report", "at", "inactive_days", "counties", "flags"}) {
    if (report.contains(key)) document[key] = report[key];
  }
  return document;
}

Hash32 SnapshotHash(const Json& document) { return Blake2b256(AsBytes(document.dump())); }

Json SnapshotBody(std::string_view report, int64_t at_ms, const Json& document) {
  const Hash32 hash = SnapshotHash(document);
  Json body = {
      {"report", std::string(report)}, {"at_ms", at_ms}, {"hash", Json::binary(Bytes(hash.begin(), hash.end()))}};
  std::string text = document.dump();
  if (text.size() <= kMaxDocumentBytes) body["document"] = std::move(text);
  return body;
}

ReportSnapshot ReportSnapshot::FromBody(const Json& body) {
  ValidateBody("report.snapshot", body);
  ReportSnapshot s;
  s.report = body["report"].get<std::string>();
  s.at_ms = body["at_ms"].get<int64_t>();
  const Json::binary_t& hash = body["hash"].get_binary();
  std::copy(hash.begin(), hash.end(), s.hash.begin());
  if (body.contains("document")) {
    Json document = Json::parse(body["document"].get<std::string>(), nullptr, /*allow_exceptions=*/false);
    if (document.is_discarded()) FailBody("report.snapshot", "document", "is not JSON");
    if (SnapshotHash(document) != s.hash) {
      FailBody("report.snapshot", "document", "does not have the hash the record states");
    }
    s.document = std::move(document);
  }
  return s;
}

std::vector<std::string> DocumentDifferences(const Json& claimed, const Json& recomputed, size_t limit) {
  std::vector<std::string> out;
  Differences("", claimed, recomputed, limit, out);
  return out;
}

}  // namespace bangban
