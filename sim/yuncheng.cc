#include "sim/yuncheng.h"

#include <fstream>
#include <map>
#include <sstream>

#include "crypto/error.h"

namespace bangban {

namespace {

constexpr std::streamsize kMaxFileBytes = 1024 * 1024;

std::string ReadSmallFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::kConfig, file.string() + ": cannot be read");
  std::string text(kMaxFileBytes + 1, '\0');
  in.read(text.data(), kMaxFileBytes + 1);
  if (in.gcount() > kMaxFileBytes) throw Error(ErrorCode::kConfig, file.string() + ": larger than 1 MiB");
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

// The data lines of a CSV file (no comments, no header), each split at commas; every line must
// have `columns` fields.
std::vector<std::vector<std::string>> ReadCsv(const std::filesystem::path& file, size_t columns) {
  std::istringstream in(ReadSmallFile(file));
  std::vector<std::vector<std::string>> rows;
  std::string line;
  bool header = true;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> fields;
    std::string field;
    std::istringstream split(line);
    while (std::getline(split, field, ',')) fields.push_back(field);
    if (fields.size() != columns) {
      throw Error(ErrorCode::kConfig, file.string() + ": line " + std::to_string(number) + ": expected " +
                                          std::to_string(columns) + " comma-separated fields");
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace

std::vector<County> ReadYuncheng(const std::filesystem::path& dir) {
  std::vector<County> counties;
  std::map<std::string, size_t> index;
  for (auto& row : ReadCsv(dir / "counties.csv", 3)) {
    index[row[0]] = counties.size();
    counties.push_back({row[0], row[1], {}});
  }
  for (auto& row : ReadCsv(dir / "townships.csv", 4)) {
    auto county = index.find(row[2]);
    if (county == index.end()) {
      throw Error(ErrorCode::kConfig, (dir / "townships.csv").string() + ": township " + row[0] + " names county " +
                                          row[2] + ", which counties.csv does not list");
    }
    counties[county->second].townships.push_back({row[0], row[1], row[3]});
  }
  if (counties.empty()) throw Error(ErrorCode::kConfig, (dir / "counties.csv").string() + ": lists no county");
  return counties;
}

}  // namespace bangban
