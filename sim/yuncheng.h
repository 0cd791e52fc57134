// Yuncheng's counties and townships, as deploy/yuncheng/*.csv list them: where the simulated
// city's outlets stand.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace bangban {

struct Township {
  std::string code;  // 9 digits
  std::string name;
  std::string kind;  // subdistrict | town | township | special
};

struct County {
  std::string code;  // 6 digits
  std::string name;
  std::vector<Township> townships;  // in the file's order
};

// Reads DIR/counties.csv (code,name,kind) and DIR/townships.csv (code,name,county_code,kind),
// skipping `#` comment lines and the header. Counties come in the file's order, each with its
// townships. Error(ErrorCode::kConfig) naming the file and line for a file that cannot be read,
// is larger than 1 MiB, or has a malformed line, or a township of no listed county.
std::vector<County> ReadYuncheng(const std::filesystem::path& dir);

}  // namespace bangban
