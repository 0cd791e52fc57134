#include "protocol/record.h"

#include <algorithm>
#include <cstring>

#include "crypto/error.h"
#include "protocol/canonical_form.h"
#include "protocol/clock.h"
#include "protocol/codec.h"

namespace bangban {

namespace {

[[noreturn]] void Malformed(std::string_view what) {
  throw Error(ErrorCode::kMalformed, "record: " + std::string(what));
}

// Every type, known or yet to come, is a plain name such as "review.accept": it is printed and
// served as JSON text, so it may not carry arbitrary bytes even when no schema checks it.
bool IsTypeName(std::string_view type) {
  return std::all_of(type.begin(), type.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_'; });
}

template <size_t N>
std::array<uint8_t, N> FixedBin(const msgpack::object& o, std::string_view field) {
  if (o.type != msgpack::type::BIN || o.via.bin.size != N) {
    Malformed(std::string(field) + " must be " + std::to_string(N) + " bytes of binary");
  }
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), o.via.bin.ptr, N);
  return out;
}

Envelope DecodeEnvelope(ByteView bytes) {
  auto handle = UnpackExactly(bytes, "record envelope");
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 7) {
    Malformed("envelope must be an array of 7 items [version, type, author, seq, prev, ts, body]");
  }
  const msgpack::object* item = o.via.array.ptr;
  if (item[0].type != msgpack::type::POSITIVE_INTEGER) Malformed("envelope.version must be an integer");
  if (item[0].via.u64 != kEnvelopeVersion) {
    Malformed("envelope.version " + std::to_string(item[0].via.u64) + " is not supported (expected 1)");
  }
  Envelope e;
  if (item[1].type != msgpack::type::STR || item[1].via.str.size == 0 || item[1].via.str.size > 64) {
    Malformed("envelope.type must be a short string");
  }
  e.type.assign(item[1].via.str.ptr, item[1].via.str.size);
  if (!IsTypeName(e.type)) Malformed("envelope.type must be a name of lower-case letters, digits, '.' and '_'");
  e.author = FixedBin<32>(item[2], "envelope.author");
  if (item[3].type != msgpack::type::POSITIVE_INTEGER || item[3].via.u64 == 0) {
    Malformed("envelope.seq must be an integer >= 1");
  }
  e.seq = item[3].via.u64;
  if (item[4].type == msgpack::type::NIL) {
    if (e.seq != 1) Malformed("envelope.prev is nil but seq is " + std::to_string(e.seq));
  } else {
    e.prev = FixedBin<32>(item[4], "envelope.prev");
    if (e.seq == 1) Malformed("envelope.prev must be nil for seq 1");
  }
  if (item[5].type == msgpack::type::POSITIVE_INTEGER && item[5].via.u64 <= INT64_MAX) {
    e.ts = static_cast<int64_t>(item[5].via.u64);
  } else if (item[5].type == msgpack::type::NEGATIVE_INTEGER) {
    e.ts = item[5].via.i64;
  } else {
    Malformed("envelope.ts must be an integer (ms since the Unix epoch)");
  }
  if (item[6].type != msgpack::type::MAP) Malformed("envelope.body must be a map");
  try {
    e.body = ObjectToJson(item[6], "");
  } catch (const Error& error) {
    throw Error::Reworded(error, e.type + ": body." + error.what());
  }
  // A type this build does not know is carried with its body opaque (checked above as msgpack,
  // not against a schema): a later release's records must pass through every party that has not
  // upgraded yet. Only a party that acts on a type insists on knowing it (docs/records.md).
  if (FindSchema(e.type) != nullptr) ValidateBody(e.type, e.body);
  return e;
}

// The wire form [envelope_bytes, signature]; `envelope_offset` receives where the envelope
// bytes start in it.
msgpack::sbuffer PackWire(ByteView envelope, const Signature& signature, size_t& envelope_offset) {
  msgpack::sbuffer wire;
  msgpack::packer<msgpack::sbuffer> w(wire);
  w.pack_array(2);
  w.pack_bin(static_cast<uint32_t>(envelope.size()));
  envelope_offset = wire.size();
  w.pack_bin_body(reinterpret_cast<const char*>(envelope.data()), static_cast<uint32_t>(envelope.size()));
  w.pack_bin(64);
  w.pack_bin_body(reinterpret_cast<const char*>(signature.data()), 64);
  return wire;
}

}  // namespace

Record Record::SignEnvelope(const SigningKey& author, ByteView envelope_bytes) {
  size_t envelope_offset = 0;
  const msgpack::sbuffer wire = PackWire(envelope_bytes, author.Sign(kRecordDomain, envelope_bytes), envelope_offset);
  return Decode(ByteView(reinterpret_cast<const uint8_t*>(wire.data()), wire.size()));
}

Record Record::Create(const SigningKey& author, std::string type, uint64_t seq, std::optional<RecordId> prev,
                      int64_t ts, Json body) {
  ValidateBody(type, body);
  if (seq == 0 || (seq == 1) != !prev.has_value()) {
    throw Error(ErrorCode::kBadChain, "a record's prev is absent exactly when its seq is 1");
  }
  msgpack::sbuffer envelope = EncodeCanonicalEnvelope(type, author.public_key(), seq, prev, ts, body);

  ByteView envelope_view(reinterpret_cast<const uint8_t*>(envelope.data()), envelope.size());
  Signature signature = author.Sign(kRecordDomain, envelope_view);
  size_t envelope_offset = 0;
  msgpack::sbuffer wire = PackWire(envelope_view, signature, envelope_offset);
  if (wire.size() > kMaxRecordBytes) {
    throw Error(ErrorCode::kTooLarge, "record of " + std::to_string(wire.size()) + " bytes exceeds the limit of " +
                                          std::to_string(kMaxRecordBytes));
  }

  Record r;
  r.wire_.assign(wire.data(), wire.data() + wire.size());
  r.envelope_offset_ = envelope_offset;
  r.envelope_size_ = envelope.size();
  r.signature_ = signature;
  r.id_ = Blake2b256(envelope_view);
  r.envelope_ = Envelope{std::move(type), author.public_key(), seq, prev, ts, std::move(body)};
  return r;
}

Record Record::Decode(ByteView wire) {
  auto handle = UnpackExactly(wire, "record");
  const msgpack::object& o = handle.get();
  if (o.type != msgpack::type::ARRAY || o.via.array.size != 2) {
    Malformed("must be an array [envelope, signature]");
  }
  const msgpack::object& env = o.via.array.ptr[0];
  if (env.type != msgpack::type::BIN) Malformed("envelope must be binary");
  Record r;
  r.signature_ = FixedBin<64>(o.via.array.ptr[1], "signature");
  r.wire_.assign(wire.begin(), wire.end());
  // The envelope bin body points into the input buffer (msgpack-c references it).
  r.envelope_offset_ = static_cast<size_t>(reinterpret_cast<const uint8_t*>(env.via.bin.ptr) - wire.data());
  r.envelope_size_ = env.via.bin.size;
  if (r.envelope_offset_ + r.envelope_size_ > wire.size()) Malformed("envelope lies outside the record");
  r.envelope_ = DecodeEnvelope(r.envelope_bytes());
  r.id_ = Blake2b256(r.envelope_bytes());
  return r;
}

bool Record::VerifySignature() const { return Verify(envelope_.author, kRecordDomain, envelope_bytes(), signature_); }

Json Record::ToJson() const {
  Json j;
  j["id"] = ToHex(id_);
  j["type"] = envelope_.type;
  j["author"] = ToHex(envelope_.author);
  j["seq"] = envelope_.seq;
  j["prev"] = envelope_.prev ? Json(ToHex(*envelope_.prev)) : Json(nullptr);
  j["ts"] = FormatRfc3339(envelope_.ts);
  j["body"] = BodyToText(envelope_.type, envelope_.body);
  return j;
}

}  // namespace bangban
