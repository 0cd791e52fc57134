#include "crypto/sealed_box.h"

#include <sodium.h>

#include "crypto/error.h"

namespace bangban {

Bytes Seal(const PublicKey& recipient, ByteView plaintext) {
  return SealToCurveKey(ToCurvePublicKey(recipient), plaintext);
}

Bytes Unseal(const SigningKey& recipient, ByteView box) {
  return UnsealWithCurveKey(recipient.curve_secret_key(), recipient.curve_public_key(), box);
}

Bytes SealToCurveKey(const CurvePublicKey& recipient, ByteView plaintext) {
  Bytes box(plaintext.size() + crypto_box_SEALBYTES);
  crypto_box_seal(box.data(), plaintext.data(), plaintext.size(), recipient.data());
  return box;
}

Bytes UnsealWithCurveKey(const CurveSecretKey& secret, const CurvePublicKey& recipient, ByteView box) {
  if (box.size() < crypto_box_SEALBYTES) {
    throw Error(ErrorCode::kUnsealFailed, "sealed box is shorter than its overhead");
  }
  Bytes plain(box.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(plain.data(), box.data(), box.size(), recipient.data(), secret.data()) != 0) {
    throw Error(ErrorCode::kUnsealFailed, "sealed box was not sealed to this hub's key or was altered");
  }
  return plain;
}

}  // namespace bangban
