// Tests of crypto/coding.h: exact bytes of every form (stored data depends on them), round
// trips at the edges, and readers that stop at the end of their view.
#include "crypto/coding.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace bangban {
namespace {

Bytes Hex(std::string_view hex) { return *FromHex(hex); }

TEST(CodingTest, FixedWidthIsBigEndian) {
  Bytes out;
  PutBigEndian32(out, 0x01020304);
  PutBigEndian64(out, 0x0102030405060708);
  EXPECT_EQ(ToHex(out), "010203040102030405060708");
  uint8_t buffer[8];
  EncodeBigEndian64(buffer, 0xfffffffffffffffe);
  EXPECT_EQ(ToHex(ByteView(buffer, 8)), "fffffffffffffffe");
  EXPECT_EQ(DecodeBigEndian64(buffer), 0xfffffffffffffffeu);
  EncodeBigEndian32(buffer, 0x80000001);
  EXPECT_EQ(ToHex(ByteView(buffer, 4)), "80000001");
  EXPECT_EQ(DecodeBigEndian32(buffer), 0x80000001u);
}

TEST(CodingTest, SortableIntegersSortLikeSignedOnes) {
  const std::vector<int64_t> ascending = {std::numeric_limits<int64_t>::min(), -86'400'000, -1, 0, 1, 1'772'413'200'000,
                                          std::numeric_limits<int64_t>::max()};
  Bytes previous;
  for (int64_t v : ascending) {
    Bytes bytes;
    PutSortableInt64(bytes, v);
    ASSERT_EQ(bytes.size(), 8u);
    if (!previous.empty()) {
      EXPECT_LT(previous, bytes) << v;
    }
    ByteView in(bytes);
    EXPECT_EQ(GetSortableInt64(in), v);
    EXPECT_TRUE(in.empty());
    previous = bytes;
  }
  Bytes zero;
  PutSortableInt64(zero, 0);
  EXPECT_EQ(ToHex(zero), "8000000000000000");
}

TEST(CodingTest, VarintsAreLeb128) {
  const std::vector<std::pair<uint64_t, std::string>> cases = {
      {0, "00"},
      {1, "01"},
      {127, "7f"},
      {128, "8001"},
      {300, "ac02"},
      {16384, "808001"},
      {std::numeric_limits<uint64_t>::max(), "ffffffffffffffffff01"}};
  for (const auto& [value, hex] : cases) {
    Bytes out;
    PutVarint64(out, value);
    EXPECT_EQ(ToHex(out), hex) << value;
    ByteView in(out);
    EXPECT_EQ(GetVarint64(in), value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(CodingTest, SignedVarintsAreZigzag) {
  const std::vector<std::pair<int64_t, std::string>> cases = {
      {0, "00"},
      {-1, "01"},
      {1, "02"},
      {-2, "03"},
      {-64, "7f"},
      {64, "8001"},
      {std::numeric_limits<int64_t>::max(), "feffffffffffffffff01"},
      {std::numeric_limits<int64_t>::min(), "ffffffffffffffffff01"}};
  for (const auto& [value, hex] : cases) {
    Bytes out;
    PutSignedVarint64(out, value);
    EXPECT_EQ(ToHex(out), hex) << value;
    ByteView in(out);
    EXPECT_EQ(GetSignedVarint64(in), value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(CodingTest, StringsCarryTheirLength) {
  Bytes out;
  PutLengthPrefixed(out, "盐湖");
  PutShortString(out, "A-1");
  PutLengthPrefixed(out, "");
  EXPECT_EQ(ToHex(out), "06e79b90e6b99603412d3100");
  ByteView in(out);
  EXPECT_EQ(GetLengthPrefixed(in), "盐湖");
  EXPECT_EQ(GetShortString(in), "A-1");
  EXPECT_EQ(GetLengthPrefixed(in), "");
  EXPECT_TRUE(in.empty());
  EXPECT_THROW(PutShortString(out, std::string(256, 'x')), std::length_error);
  Bytes longest;
  PutShortString(longest, std::string(255, 'x'));
  EXPECT_EQ(longest.size(), 256u);
}

// Every reader refuses a view that ends too early, without moving it and without reading past
// its end (the views below are cut out of longer buffers, so a reader that overran would find
// plausible bytes there instead of failing).
TEST(CodingTest, ReadersStopAtTheEndOfTheirView) {
  const Bytes backing = Hex("ffffffffffffffffffff0000");
  for (size_t size = 0; size < 8; ++size) {
    ByteView in = ByteView(backing).first(size);
    EXPECT_FALSE(GetBigEndian64(in)) << size;
    EXPECT_FALSE(GetSortableInt64(in)) << size;
    if (size < 4) {
      EXPECT_FALSE(GetBigEndian32(in)) << size;
    }
    EXPECT_EQ(in.size(), size);
  }
  // A varint whose every byte says "more": cut short at any length, or over ten bytes long.
  for (size_t size = 0; size <= 10; ++size) {
    ByteView in = ByteView(backing).first(size);
    EXPECT_FALSE(GetVarint64(in)) << size;
    EXPECT_FALSE(GetSignedVarint64(in)) << size;
    EXPECT_EQ(in.size(), size);
  }
  ByteView empty;
  EXPECT_FALSE(GetByte(empty));
  // Lengths that announce more than is there.
  const Bytes text = Hex("0561626364656667");
  ByteView cut = ByteView(text).first(5);  // "\x05abcd": one byte short
  EXPECT_FALSE(GetLengthPrefixed(cut));
  EXPECT_FALSE(GetShortString(cut));
  EXPECT_EQ(cut.size(), 5u);
  EXPECT_FALSE(GetRaw(cut, 6));
  EXPECT_EQ(GetRaw(cut, 5)->size(), 5u);
  EXPECT_TRUE(cut.empty());
}

TEST(CodingTest, Varint32RefusesLargerValues) {
  Bytes out;
  PutVarint64(out, uint64_t{UINT32_MAX});
  PutVarint64(out, uint64_t{UINT32_MAX} + 1);
  ByteView in(out);
  EXPECT_EQ(GetVarint32(in), UINT32_MAX);
  const size_t before = in.size();
  EXPECT_FALSE(GetVarint32(in));
  EXPECT_EQ(in.size(), before);
  EXPECT_EQ(GetVarint64(in), uint64_t{UINT32_MAX} + 1);
}

// What the first release's row reader accepted it still accepts: a tenth byte's high bits are
// dropped, not refused.
TEST(CodingTest, TenByteVarintKeepsSixtyFourBits) {
  const Bytes overlong = Hex("ffffffffffffffffff7f");
  ByteView in(overlong);
  EXPECT_EQ(GetVarint64(in), std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(in.empty());
}

}  // namespace
}  // namespace bangban
