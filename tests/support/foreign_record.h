// A record of a type this build does not know, as a later release would sign it. Record::Create
// refuses unknown types (an author must know what it writes), so the canonical envelope is
// built here and signed with Record::SignEnvelope.
#pragma once

#include <optional>
#include <string_view>

#include "protocol/canonical_form.h"
#include "protocol/record.h"

namespace bangban::test_support {

inline Record SignForeignRecord(const SigningKey& author, std::string_view type, uint64_t seq,
                                std::optional<RecordId> prev, int64_t ts, const Json& body) {
  const msgpack::sbuffer envelope =
      EncodeCanonicalEnvelope(std::string(type), author.public_key(), seq, prev, ts, body);
  return Record::SignEnvelope(author, ByteView(reinterpret_cast<const uint8_t*>(envelope.data()), envelope.size()));
}

// A chain of `count` records of the unknown type "outlet.survey" (a later release's), starting
// after `prev` at `first_seq`; bodies carry binary and nested fields as real bodies do.
inline std::vector<Record> ForeignChain(const SigningKey& author, uint64_t first_seq, std::optional<RecordId> prev,
                                        int64_t ts, size_t count) {
  std::vector<Record> out;
  for (size_t i = 0; i < count; ++i) {
    const Json body = {{"outlet_id", "YH-001"},
                       {"answers", Json::array({1, 2, 3})},
                       {"respondent", {{"sealed", Json::binary(Bytes(16, static_cast<uint8_t>(i)))}, {"age", 30}}},
                       {"round", i}};
    out.push_back(SignForeignRecord(author, "outlet.survey", first_seq + i, prev, ts, body));
    prev = out.back().id();
  }
  return out;
}

}  // namespace bangban::test_support
