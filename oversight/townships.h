// Township lists: the township-level units of a county (街道, 镇, 乡 and `special` statistical
// units), each identified by its 9-digit division code. They ship as deploy/yuncheng/townships.csv
// and travel as a county hub's signed `county.townships` record (docs/records.md), which is what
// both the county hub and the city read: the list in force is the one the county signed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/schema.h"

namespace bangban {

struct Township {
  std::string code;  // 9 digits, e.g. 140802001
  std::string name;  // e.g. 中城街道
  std::string kind;  // subdistrict | town | township | special
  // Coverage counts the ordinary units; a special unit (a development zone, an institution) is
  // served but not counted.
  bool counted() const { return kind != "special"; }
};

struct TownshipList {
  std::string county;  // 6 digits
  std::vector<Township> units;

  // Every county's list from the text of a townships file (deploy/yuncheng/townships.csv: lines
  // starting with '#' are comments, then the header `code,name,county_code,kind`).
  // Error(ErrorCode::kInput, "<source> line N: ...") naming the first bad line.
  static std::map<std::string, TownshipList> ParseCsv(std::string_view text, const std::string& source);
  // From a validated county.townships body, and back.
  static TownshipList FromRecordBody(const Json& body);
  Json ToRecordBody() const;

  // The unit named by its code or by its exact name; nullptr if this county has no such unit.
  const Township* Resolve(std::string_view code_or_name) const;
  size_t CountedUnits() const;
};

// The text of a townships file, at most 1 MiB. Error(ErrorCode::kInput) if it cannot be read.
std::string ReadTownshipFile(const std::string& path);

}  // namespace bangban
