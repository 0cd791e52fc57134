#include "oversight/townships.h"

#include <filesystem>
#include <fstream>

#include "crypto/error.h"

namespace bangban {

namespace {

constexpr size_t kMaxFileBytes = 1 << 20;

std::vector<std::string> SplitCsvLine(std::string_view line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    size_t comma = line.find(',', start);
    fields.emplace_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

}  // namespace

std::map<std::string, TownshipList> TownshipList::ParseCsv(std::string_view text, const std::string& source) {
  std::map<std::string, TownshipList> counties;
  bool header_seen = false;
  size_t number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    std::string_view line = text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? text.size() : end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto fail = [&](const std::string& what) {
      throw Error(ErrorCode::kInput, source + " line " + std::to_string(number) + ": " + what);
    };
    std::vector<std::string> f = SplitCsvLine(line);
    if (!header_seen) {
      if (f != std::vector<std::string>{"code", "name", "county_code", "kind"}) {
        fail("the header must be code,name,county_code,kind");
      }
      header_seen = true;
      continue;
    }
    if (f.size() != 4) fail("must have 4 fields: code,name,county_code,kind");
    TownshipList& list = counties[f[2]];
    list.county = f[2];
    Json body = {{"county", f[2]}, {"townships", Json::array()}};
    for (const Township& t : list.units) body["townships"].push_back(t.code + "," + t.name + "," + t.kind);
    body["townships"].push_back(f[0] + "," + f[1] + "," + f[3]);
    try {  // the record's own checks: one definition of a valid unit
      ValidateBody("county.townships", body);
    } catch (const Error& e) {
      fail(e.what());
    }
    list.units.push_back({f[0], f[1], f[3]});
  }
  if (!header_seen) throw Error(ErrorCode::kInput, source + ": no header line code,name,county_code,kind");
  return counties;
}

TownshipList TownshipList::FromRecordBody(const Json& body) {
  TownshipList list;
  list.county = body["county"].get<std::string>();
  for (const Json& entry : body["townships"]) {
    const std::string& text = entry.get_ref<const std::string&>();
    size_t first = text.find(','), last = text.rfind(',');
    list.units.push_back({text.substr(0, first), text.substr(first + 1, last - first - 1), text.substr(last + 1)});
  }
  return list;
}

Json TownshipList::ToRecordBody() const {
  Json body = {{"county", county}, {"townships", Json::array()}};
  for (const Township& t : units) body["townships"].push_back(t.code + "," + t.name + "," + t.kind);
  return body;
}

const Township* TownshipList::Resolve(std::string_view code_or_name) const {
  for (const Township& t : units) {
    if (t.code == code_or_name || t.name == code_or_name) return &t;
  }
  return nullptr;
}

size_t TownshipList::CountedUnits() const {
  size_t n = 0;
  for (const Township& t : units) n += t.counted() ? 1 : 0;
  return n;
}

std::string ReadTownshipFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {  // a FIFO or device would hang or run away
    throw Error(ErrorCode::kInput, path + " is not a regular file: give the townships file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kInput, "cannot open the townships file " + path);
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw Error(ErrorCode::kInput, "cannot read the townships file " + path);
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) throw Error(ErrorCode::kInput, path + " is larger than 1 MiB: not a townships file");
  return text;
}

}  // namespace bangban
