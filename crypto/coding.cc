#include "crypto/coding.h"

#include <stdexcept>

namespace bangban {

void EncodeBigEndian32(uint8_t* out, uint32_t value) {
  for (int i = 3; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(value);
    value >>= 8;
  }
}

void EncodeBigEndian64(uint8_t* out, uint64_t value) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(value);
    value >>= 8;
  }
}

uint32_t DecodeBigEndian32(const uint8_t* in) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = value << 8 | in[i];
  return value;
}

uint64_t DecodeBigEndian64(const uint8_t* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | in[i];
  return value;
}

void PutBigEndian32(Bytes& out, uint32_t value) {
  const size_t at = out.size();
  out.resize(at + 4);
  EncodeBigEndian32(out.data() + at, value);
}

void PutBigEndian64(Bytes& out, uint64_t value) {
  const size_t at = out.size();
  out.resize(at + 8);
  EncodeBigEndian64(out.data() + at, value);
}

void PutSortableInt64(Bytes& out, int64_t value) { PutBigEndian64(out, SortableFromSigned(value)); }

void PutVarint64(Bytes& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<uint8_t>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<uint8_t>(value));
}

void PutSignedVarint64(Bytes& out, int64_t value) {
  PutVarint64(out, (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63));
}

void PutRaw(Bytes& out, ByteView bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

void PutLengthPrefixed(Bytes& out, std::string_view text) {
  PutVarint64(out, text.size());
  PutRaw(out, AsBytes(text));
}

void PutShortString(Bytes& out, std::string_view text) {
  if (text.size() > 255) throw std::length_error("a short string is longer than 255 bytes");
  out.push_back(static_cast<uint8_t>(text.size()));
  PutRaw(out, AsBytes(text));
}

std::optional<uint8_t> GetByte(ByteView& in) {
  if (in.empty()) return std::nullopt;
  const uint8_t value = in[0];
  in = in.subspan(1);
  return value;
}

std::optional<uint32_t> GetBigEndian32(ByteView& in) {
  if (in.size() < 4) return std::nullopt;
  const uint32_t value = DecodeBigEndian32(in.data());
  in = in.subspan(4);
  return value;
}

std::optional<uint64_t> GetBigEndian64(ByteView& in) {
  if (in.size() < 8) return std::nullopt;
  const uint64_t value = DecodeBigEndian64(in.data());
  in = in.subspan(8);
  return value;
}

std::optional<int64_t> GetSortableInt64(ByteView& in) {
  auto value = GetBigEndian64(in);
  if (!value) return std::nullopt;
  return SignedFromSortable(*value);
}

std::optional<uint64_t> GetVarint64(ByteView& in) {
  uint64_t value = 0;
  for (size_t i = 0; i < in.size() && i < 10; ++i) {
    value |= static_cast<uint64_t>(in[i] & 0x7f) << (7 * i);
    if ((in[i] & 0x80) == 0) {
      in = in.subspan(i + 1);
      return value;
    }
  }
  return std::nullopt;  // cut short, or longer than ten bytes
}

std::optional<uint32_t> GetVarint32(ByteView& in) {
  ByteView rest = in;
  auto value = GetVarint64(rest);
  if (!value || *value > UINT32_MAX) return std::nullopt;
  in = rest;
  return static_cast<uint32_t>(*value);
}

std::optional<int64_t> GetSignedVarint64(ByteView& in) {
  auto zigzag = GetVarint64(in);
  if (!zigzag) return std::nullopt;
  return static_cast<int64_t>((*zigzag >> 1) ^ (~(*zigzag & 1) + 1));
}

std::optional<ByteView> GetRaw(ByteView& in, size_t size) {
  if (in.size() < size) return std::nullopt;
  const ByteView value = in.first(size);
  in = in.subspan(size);
  return value;
}

std::optional<std::string> GetLengthPrefixed(ByteView& in) {
  ByteView rest = in;
  auto size = GetVarint64(rest);
  if (!size || *size > rest.size()) return std::nullopt;
  std::string text(AsChars(rest.first(static_cast<size_t>(*size))));
  in = rest.subspan(static_cast<size_t>(*size));
  return text;
}

std::optional<std::string> GetShortString(ByteView& in) {
  if (in.empty() || in[0] > in.size() - 1) return std::nullopt;
  std::string text(AsChars(in.subspan(1, in[0])));
  in = in.subspan(1 + size_t{in[0]});
  return text;
}

}  // namespace bangban
