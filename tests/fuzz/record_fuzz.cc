// Fuzz target `record`: the record decoder (protocol/record.h) and the JSON text form of bodies
// (protocol/schema.h). Wire bytes go through Record::Decode, the signature check and the text form
// a person or script reads; input that starts with '{' is also read as a document
// {"type": ..., "body": {...}} in the text form, as scripts write bodies.
#include <optional>
#include <string>
#include <utility>

#include "crypto/error.h"
#include "protocol/codec.h"
#include "protocol/json_text.h"
#include "protocol/record.h"
#include "tests/fuzz/fuzz_target.h"

namespace bangban {
namespace {

using fuzz::Require;

// Whatever decoded reads back the same: its bytes, its id, its body through the text form.
void CheckDecoded(const Record& record, ByteView wire) {
  Require(Bytes(wire.begin(), wire.end()) == record.wire(), "a record holds exactly the bytes it was decoded from");
  record.VerifySignature();
  const Json text = record.ToJson();
  // Records are served as JSON text: that must never fail, whatever the strings hold.
  Require(!text.dump().empty(), "a decoded record prints as JSON");
  const Record again = Record::Decode(record.wire());
  Require(again.id() == record.id() && again.body() == record.body(), "decoding is deterministic");
  if (FindSchema(record.type()) != nullptr) {
    Require(BodyFromText(record.type(), text.at("body")) == record.body(),
            "a known body reads back from its text form unchanged");
  }
}

// A body in the text form, as a script writes it, or nullopt for a document that is not one:
// {"type": ..., "body": ...}. Error when BodyFromText refuses it.
std::optional<std::pair<std::string, Json>> BodyOfDocument(std::string_view text) {
  const Json document = ParseJsonText(text, "fuzz input");
  if (!document.is_object()) return std::nullopt;
  const auto type = document.find("type");
  const auto body_text = document.find("body");
  if (type == document.end() || !type->is_string() || body_text == document.end()) return std::nullopt;
  const std::string& type_name = type->get_ref<const std::string&>();
  return std::make_pair(type_name, BodyFromText(type_name, *body_text));
}

// Whatever BodyFromText accepted is a valid body that signs, decodes and prints back unchanged.
void CheckTextForm(const std::string& type_name, const Json& body) {
  static const SigningKey author = SigningKey::FromSeed(Bytes(32, 7));
  const Record record = Record::Create(author, type_name, 1, std::nullopt, 1772413200000, body);
  Require(Record::Decode(record.wire()).body() == body, "a body from the text form survives signing and decoding");
  Require(BodyFromText(type_name, BodyToText(type_name, body)) == body, "the text form of a body reads back");
}

}  // namespace
}  // namespace bangban

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bangban;
  // A refusal is an Error from the decoder; once something is accepted, every check of it must
  // pass without one (an Error escaping the checks is a crash too).
  const ByteView wire(data, size);
  std::optional<Record> record;
  try {
    record = Record::Decode(wire);
  } catch (const Error&) {
  }
  if (record) CheckDecoded(*record, wire);
  if (size > 0 && data[0] == '{') {
    std::optional<std::pair<std::string, Json>> body;
    try {
      body = BodyOfDocument(fuzz::AsText(data, size));
    } catch (const Error&) {
    }
    if (body) CheckTextForm(body->first, body->second);
  }
  return 0;
}
