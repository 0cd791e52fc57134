#include "crypto/identity.h"

#include <gtest/gtest.h>

#include "crypto/error.h"

namespace bangban {
namespace {

PublicKey WithoutSignBit(PublicKey key) {
  key[31] &= 0x7f;
  return key;
}

TEST(IdentityOfCurveKeyTest, MapsEveryCurveKeyBackToItsIdentity) {
  int with_sign_bit = 0;
  for (int i = 0; i < 500; ++i) {
    SigningKey identity = SigningKey::Generate();
    PublicKey back = IdentityOfCurveKey(identity.curve_public_key());
    ASSERT_EQ(back, WithoutSignBit(identity.public_key())) << "key " << ToHex(identity.public_key());
    EXPECT_EQ(KeyId(back), KeyId(identity.public_key()));
    // Both candidates (sign bit clear or set) convert to the same X25519 key.
    if (back != identity.public_key()) ++with_sign_bit;
  }
  // About half of all keys have the sign bit set: the loop saw both kinds.
  EXPECT_GT(with_sign_bit, 150);
  EXPECT_LT(with_sign_bit, 350);
}

TEST(IdentityOfCurveKeyTest, KnownSmallValues) {
  CurvePublicKey u{};
  // u = 0 maps to y = -1 = p - 1.
  PublicKey y = IdentityOfCurveKey(u);
  PublicKey minus_one{};
  minus_one.fill(0xff);
  minus_one[0] = 0xec;
  minus_one[31] = 0x7f;
  EXPECT_EQ(y, minus_one);
  // u = 1 maps to y = 0.
  u[0] = 1;
  EXPECT_EQ(IdentityOfCurveKey(u), PublicKey{});
  // u = p - 1 (= -1) has no Edwards form.
  EXPECT_THROW(IdentityOfCurveKey(minus_one), Error);
}

}  // namespace
}  // namespace bangban
