// A record of a type this build does not know, as a later release would sign it. Record::Create
// refuses unknown types (an author must know what it writes), so the envelope of
// protocol/record.h is built and signed here by hand.
#pragma once

#include <optional>
#include <string_view>

#include "protocol/codec.h"
#include "protocol/record.h"

namespace bangban::test_support {

inline Record SignForeignRecord(const SigningKey& author, std::string_view type, uint64_t seq,
                                std::optional<RecordId> prev, int64_t ts, const Json& body) {
  msgpack::sbuffer envelope;
  msgpack::packer<msgpack::sbuffer> p(envelope);
  p.pack_array(7);
  p.pack_uint64(kEnvelopeVersion);
  p.pack_str(static_cast<uint32_t>(type.size()));
  p.pack_str_body(type.data(), static_cast<uint32_t>(type.size()));
  p.pack_bin(32);
  p.pack_bin_body(reinterpret_cast<const char*>(author.public_key().data()), 32);
  p.pack_uint64(seq);
  if (prev) {
    p.pack_bin(32);
    p.pack_bin_body(reinterpret_cast<const char*>(prev->data()), 32);
  } else {
    p.pack_nil();
  }
  ts >= 0 ? p.pack_uint64(static_cast<uint64_t>(ts)) : p.pack_int64(ts);
  PackJson(p, body);
  const ByteView envelope_bytes(reinterpret_cast<const uint8_t*>(envelope.data()), envelope.size());
  const Signature signature = author.Sign(kRecordDomain, envelope_bytes);
  msgpack::sbuffer wire;
  msgpack::packer<msgpack::sbuffer> w(wire);
  w.pack_array(2);
  w.pack_bin(static_cast<uint32_t>(envelope.size()));
  w.pack_bin_body(envelope.data(), static_cast<uint32_t>(envelope.size()));
  w.pack_bin(64);
  w.pack_bin_body(reinterpret_cast<const char*>(signature.data()), 64);
  return Record::Decode(ByteView(reinterpret_cast<const uint8_t*>(wire.data()), wire.size()));
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
