// Sealed boxes for personal data (ID numbers, names, complaint texts): anyone holding a county
// hub's public identity key can seal; only that hub can open. The recipient is addressed by its
// Ed25519 identity key; the X25519 form is derived here, so callers never handle two keys.
#pragma once

#include "crypto/bytes.h"
#include "crypto/identity.h"

namespace bangban {

// Overhead of a sealed box over its plaintext (ephemeral key + MAC).
inline constexpr size_t kSealOverhead = 48;

Bytes Seal(const PublicKey& recipient, ByteView plaintext);
// Error "unseal_failed" if the box was not sealed to this key or was altered.
Bytes Unseal(const SigningKey& recipient, ByteView box);

// The same to an X25519 key of its own (a county hub's sealing key of one period,
// custody/sealing_keys.h), which is no identity: it can be destroyed without touching one.
Bytes SealToCurveKey(const CurvePublicKey& recipient, ByteView plaintext);
// Error "unseal_failed" as Unseal.
Bytes UnsealWithCurveKey(const CurveSecretKey& secret, const CurvePublicKey& recipient, ByteView box);

}  // namespace bangban
