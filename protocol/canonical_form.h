// The canonical form of a record's envelope (docs/records.md "The record"): map keys in byte
// order, integers in their shortest form. Record::Create signs exactly these bytes; a peer's
// record that decodes but is not in this form is stored as signed (its bytes are the truth) and
// flagged by audit, since another implementation building the same body would sign other bytes.
#pragma once

#include <optional>
#include <string>

#include <msgpack.hpp>

#include "protocol/record.h"

namespace bangban {

// The canonical envelope bytes of these fields.
msgpack::sbuffer EncodeCanonicalEnvelope(const std::string& type, const PublicKey& author, uint64_t seq,
                                         const std::optional<RecordId>& prev, int64_t ts, const Json& body);

// Whether `record`'s envelope bytes are the canonical encoding of its fields.
bool IsCanonical(const Record& record);

}  // namespace bangban
