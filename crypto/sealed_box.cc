#include "crypto/sealed_box.h"

#include <sodium.h>

#include "crypto/error.h"

namespace bangban {

Bytes Seal(const PublicKey& recipient, ByteView plaintext) {
  CurvePublicKey curve = ToCurvePublicKey(recipient);
  Bytes box(plaintext.size() + crypto_box_SEALBYTES);
  crypto_box_seal(box.data(), plaintext.data(), plaintext.size(), curve.data());
  return box;
}

Bytes Unseal(const SigningKey& recipient, ByteView box) {
  if (box.size() < crypto_box_SEALBYTES) {
    throw Error(ErrorCode::kUnsealFailed, "sealed box is shorter than its overhead");
  }
  CurveSecretKey secret = recipient.curve_secret_key();
  CurvePublicKey curve = recipient.curve_public_key();
  Bytes plain(box.size() - crypto_box_SEALBYTES);
  if (crypto_box_seal_open(plain.data(), box.data(), box.size(), curve.data(), secret.data()) != 0) {
    throw Error(ErrorCode::kUnsealFailed, "sealed box was not sealed to this hub's key or was altered");
  }
  return plain;
}

}  // namespace bangban
