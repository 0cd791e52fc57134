// Record bodies: the schema of every record type, their validation, and the conversion between
// a body (as stored and signed, binary fields as bytes) and its JSON text form (binary fields as
// lowercase hex), which is what people and scripts read and write.
//
// A body is held as nlohmann::json whose binary fields are json::binary values. Every error is
// Error(ErrorCode::kInvalidBody, "<type>: body.<field path>: <what is wrong>").
#pragma once

#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace bangban {

using Json = nlohmann::json;

enum class FieldKind { kString, kEnum, kUnsigned, kInteger, kBool, kBinary, kStringList, kObject };

struct FieldSpec {
  std::string_view name;
  FieldKind kind;
  bool required = true;
  // Strings: max characters (UTF-8 bytes / 3 as a floor is not used: limit is bytes).
  // Binary: max bytes (exact when `exact` is set). Lists: max items. Integers: max value.
  int64_t max = 256;
  bool exact = false;
  int64_t min = 0;  // integers only
  std::vector<std::string_view> choices = {};
  std::vector<FieldSpec> fields = {};  // objects only
};

struct RecordSchema {
  std::string_view type;
  std::vector<FieldSpec> fields;
  // Checks that go beyond field shapes (check digits, cross-field rules); throws invalid_body.
  void (*check)(const Json& body) = nullptr;
};

// The schema of a record type, or nullptr for a type this build does not know (a later
// release's: records of it are carried with an opaque body, see Record::Decode).
const RecordSchema* FindSchema(std::string_view type);
const std::vector<RecordSchema>& AllSchemas();

// Validates a body against its type's schema: required fields present, no unknown fields,
// every value of the right kind and within limits, then the type's own checks.
// Error(ErrorCode::kUnknownType) for a type this build does not know.
void ValidateBody(std::string_view type, const Json& body);

// JSON text form -> body: hex strings in binary fields become bytes; then validates.
// Error(ErrorCode::kUnknownType) for a type this build does not know: its binary fields are unknown.
Json BodyFromText(std::string_view type, const Json& text);
// Body -> JSON text form (binary fields as lowercase hex). The body of a type this build does
// not know (carried opaque, see Record::Decode) has every binary value, at any depth, as hex.
Json BodyToText(std::string_view type, const Json& body);

// Throws Error(ErrorCode::kInvalidBody, ...) with the standard prefix.
[[noreturn]] void FailBody(std::string_view type, std::string_view path, std::string_view what);

}  // namespace bangban
