#include "protocol/canonical_form.h"

#include <algorithm>

#include "protocol/codec.h"

namespace bangban {

msgpack::sbuffer EncodeCanonicalEnvelope(const std::string& type, const PublicKey& author, uint64_t seq,
                                         const std::optional<RecordId>& prev, int64_t ts, const Json& body) {
  msgpack::sbuffer envelope;
  msgpack::packer<msgpack::sbuffer> p(envelope);
  p.pack_array(7);
  p.pack_uint64(kEnvelopeVersion);
  p.pack_str(static_cast<uint32_t>(type.size()));
  p.pack_str_body(type.data(), static_cast<uint32_t>(type.size()));
  p.pack_bin(32);
  p.pack_bin_body(reinterpret_cast<const char*>(author.data()), 32);
  p.pack_uint64(seq);  // msgpack-c packs the shortest form
  if (prev) {
    p.pack_bin(32);
    p.pack_bin_body(reinterpret_cast<const char*>(prev->data()), 32);
  } else {
    p.pack_nil();
  }
  ts >= 0 ? p.pack_uint64(static_cast<uint64_t>(ts)) : p.pack_int64(ts);
  PackJson(p, body);  // keys in byte order (std::map), shortest integers
  return envelope;
}

bool IsCanonical(const Record& record) {
  const Envelope& e = record.envelope();
  const msgpack::sbuffer canonical = EncodeCanonicalEnvelope(e.type, e.author, e.seq, e.prev, e.ts, e.body);
  const ByteView mine = record.envelope_bytes();
  const auto* bytes = reinterpret_cast<const uint8_t*>(canonical.data());
  return std::equal(mine.begin(), mine.end(), bytes, bytes + canonical.size());
}

}  // namespace bangban
