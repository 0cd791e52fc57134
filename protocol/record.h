// The signed record: the only truth in bangban.
//
// Wire and storage form: msgpack [envelope_bytes: bin, signature: bin(64)], where
// envelope = msgpack [1, type, author: bin(32), seq (1-based), prev: bin(32) | nil, ts, body].
// The signature is Ed25519 over "bangban/record/v1" || envelope_bytes; the record id is
// BLAKE2b-256(envelope_bytes). A Record always holds the exact bytes it was decoded from or
// created as; nothing is re-encoded to verify it.
#pragma once

#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/identity.h"
#include "protocol/schema.h"

namespace bangban {

using RecordId = Hash32;

inline constexpr uint64_t kEnvelopeVersion = 1;

struct Envelope {
  std::string type;
  PublicKey author{};
  uint64_t seq = 0;
  std::optional<RecordId> prev;  // absent exactly when seq == 1
  int64_t ts = 0;                // ms since the Unix epoch, the author's clock
  Json body;                     // binary fields as bytes; see protocol/schema.h
};

class Record {
 public:
  // Builds, encodes and signs a record. Validates the body first (Error "invalid_body"; an
  // author writes only types it knows: Error "unknown_type" otherwise).
  static Record Create(const SigningKey& author, std::string type, uint64_t seq, std::optional<RecordId> prev,
                       int64_t ts, Json body);

  // Decodes wire bytes: shape, sizes, version, types, body validation, no trailing bytes.
  // Error codes: "too_large", "malformed", "invalid_body". It does NOT verify the signature
  // (VerifySignature does; it is the expensive part, so callers batch it).
  // A type this build does not know (a later release's) decodes with an opaque body: the body
  // must still be a well-formed msgpack map within the limits (no nil, floats, extension types,
  // non-string or duplicate keys, invalid UTF-8), but no schema checks its fields. Such a record
  // is stored and carried like any other; only a party that acts on a type needs to know it.
  static Record Decode(ByteView wire);

  // Signs envelope bytes that Create would not write and decodes the result as any peer's
  // record (Decode's checks and errors): a type of a later release, or another implementation's
  // non-canonical bytes (protocol/canonical_form.h). For tests and tools, never for writing a
  // feed: nothing here checks the chain or the body's schema beyond what Decode does.
  static Record SignEnvelope(const SigningKey& author, ByteView envelope_bytes);

  bool VerifySignature() const;

  const Bytes& wire() const { return wire_; }
  ByteView envelope_bytes() const { return {wire_.data() + envelope_offset_, envelope_size_}; }
  const Signature& signature() const { return signature_; }
  const RecordId& id() const { return id_; }
  const Envelope& envelope() const { return envelope_; }
  const std::string& type() const { return envelope_.type; }
  const PublicKey& author() const { return envelope_.author; }
  uint64_t seq() const { return envelope_.seq; }
  const Json& body() const { return envelope_.body; }

  // The record as one JSON document for people and scripts: id, type, author, seq, prev, ts,
  // and the body in text form.
  Json ToJson() const;

 private:
  Record() = default;
  Bytes wire_;
  size_t envelope_offset_ = 0;
  size_t envelope_size_ = 0;
  Signature signature_{};
  RecordId id_{};
  Envelope envelope_;
};

}  // namespace bangban
