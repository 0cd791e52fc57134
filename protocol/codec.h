// Canonical msgpack for JSON-shaped values: maps with keys in byte order, integers in their
// shortest form, strings as str, bytes as bin. The encoding of a value is therefore unique, so
// two parties that build the same body sign the same bytes.
#pragma once

#include <string_view>

#include <msgpack.hpp>

#include "crypto/bytes.h"
#include "protocol/schema.h"

namespace bangban {

// Limits on anything decoded from outside; generous for real records, small enough that a
// hostile frame cannot make a process allocate without bound.
inline constexpr size_t kMaxRecordBytes = 64 * 1024;
inline constexpr size_t kMaxNesting = 8;

// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF): strings in records are
// shown to people and served as JSON, which must never fail on them.
bool IsValidUtf8(std::string_view text);

void PackJson(msgpack::packer<msgpack::sbuffer>& packer, const Json& value);
Bytes EncodeJson(const Json& value);

// Converts a decoded msgpack object to Json. Refuses floats, nil, extension types, non-string
// map keys and duplicate keys: Error(ErrorCode::kMalformed, "<path>: <what>").
Json ObjectToJson(const msgpack::object& object, const std::string& path);

// Unpacks exactly one msgpack value occupying all of `bytes` (no trailing bytes) under the
// limits above; Error(ErrorCode::kMalformed, "<what>: <why>") otherwise. Strings and bins in the result
// point into `bytes`, which must outlive the handle.
msgpack::object_handle UnpackExactly(ByteView bytes, std::string_view what, size_t max_bytes = kMaxRecordBytes);

}  // namespace bangban
