// The byte coding of every stored key and value and of the bundle file: one place that packs
// integers and strings into bytes, so that no file writes shifts by hand.
//
// - Fixed-width integers are big-endian, so that byte order is numeric order (LMDB sorts keys
//   bytewise). Signed times are stored sign-biased (the top bit flipped), so that byte order is
//   also time order across the epoch.
// - Varints are LEB128: seven bits a byte, least significant group first, the top bit set on
//   every byte but the last. Signed varints are zigzag-coded first (0, -1, 1, -2, ...).
// - Strings are length-prefixed: a varint length, or one byte for short strings in keys.
//
// Put* append to a byte string. Encode*/Decode* write and read a fixed-width value at a place
// the caller has sized (keys built at a fixed length). Get* read from the front of a view and
// advance it past what they read; when the view is too short or the value is malformed they
// return nullopt, read nothing past the view's end and leave the view where it was.
//
// This room sits at the bottom so that every room, crypto's own Merkle frontier included,
// codes bytes the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"

namespace bangban {

// ---- fixed width at a place the caller sized --------------------------------------------

// REQUIRES: `out` has room for 4 (8) bytes.
void EncodeBigEndian32(uint8_t* out, uint32_t value);
void EncodeBigEndian64(uint8_t* out, uint64_t value);
// REQUIRES: `in` holds at least 4 (8) readable bytes. Prefer Get* for bytes from outside.
uint32_t DecodeBigEndian32(const uint8_t* in);
uint64_t DecodeBigEndian64(const uint8_t* in);

// A signed value as an unsigned one whose big-endian bytes sort like the signed values.
inline uint64_t SortableFromSigned(int64_t value) { return static_cast<uint64_t>(value) ^ (uint64_t{1} << 63); }
inline int64_t SignedFromSortable(uint64_t value) { return static_cast<int64_t>(value ^ (uint64_t{1} << 63)); }

// ---- appending ----------------------------------------------------------------------------

void PutBigEndian32(Bytes& out, uint32_t value);
void PutBigEndian64(Bytes& out, uint64_t value);
// Sign-biased big-endian (8 bytes): byte order is numeric order, negative values included.
void PutSortableInt64(Bytes& out, int64_t value);
void PutVarint64(Bytes& out, uint64_t value);
void PutSignedVarint64(Bytes& out, int64_t value);  // zigzag, then varint
void PutRaw(Bytes& out, ByteView bytes);
// Varint length, then the bytes.
void PutLengthPrefixed(Bytes& out, std::string_view text);
// One length byte, then the bytes. Throws std::length_error if `text` is longer than 255
// bytes: callers that take such text from outside check it first and refuse it by name.
void PutShortString(Bytes& out, std::string_view text);

// ---- reading from the front of a view ---------------------------------------------------

std::optional<uint8_t> GetByte(ByteView& in);
std::optional<uint32_t> GetBigEndian32(ByteView& in);
std::optional<uint64_t> GetBigEndian64(ByteView& in);
std::optional<int64_t> GetSortableInt64(ByteView& in);
// At most ten bytes; bits past the 64th are dropped, as the first release's reader did.
std::optional<uint64_t> GetVarint64(ByteView& in);
// A varint whose value fits in 32 bits; nullopt for a larger one.
std::optional<uint32_t> GetVarint32(ByteView& in);
std::optional<int64_t> GetSignedVarint64(ByteView& in);
// The next `size` bytes, as a view into `in`'s storage.
std::optional<ByteView> GetRaw(ByteView& in, size_t size);
std::optional<std::string> GetLengthPrefixed(ByteView& in);
std::optional<std::string> GetShortString(ByteView& in);

}  // namespace bangban
