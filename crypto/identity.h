// Identity keys: one Ed25519 key pair per node or hub. Signing always carries a domain prefix
// so that a signature made for one purpose (a record, a tree head) can never be replayed as
// another. The secret never leaves SigningKey and is wiped when it is destroyed.
#pragma once

#include <array>
#include <filesystem>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/secret.h"

namespace bangban {

using PublicKey = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;
// X25519 keys derived from the identity, for CurveZMQ and sealed boxes.
using CurvePublicKey = std::array<uint8_t, 32>;
using CurveSecretKey = Secret<32>;

// Signature domains. Never reuse one for a different message shape.
inline constexpr std::string_view kRecordDomain = "bangban/record/v1";
inline constexpr std::string_view kTreeHeadDomain = "bangban/tree-head/v1";

class SigningKey {
 public:
  static SigningKey Generate();
  // From a 32-byte seed (deterministic; for tests and key files).
  static SigningKey FromSeed(ByteView seed);

  // Reads a key file written by Save. Refuses a file that group or others may read (error code
  // "key_file_mode"), a missing file, or a malformed one, naming the path.
  static SigningKey Load(const std::filesystem::path& path);
  // Writes the key file with mode 0600; refuses to overwrite an existing file.
  void Save(const std::filesystem::path& path) const;

  const PublicKey& public_key() const { return public_key_; }
  Signature Sign(std::string_view domain, ByteView message) const;

  CurvePublicKey curve_public_key() const;
  CurveSecretKey curve_secret_key() const;

 private:
  SigningKey() = default;
  Secret<64> secret_;  // libsodium's seed || public key form
  PublicKey public_key_{};
};

bool Verify(const PublicKey& key, std::string_view domain, ByteView message, const Signature& signature);

// The X25519 public key matching an Ed25519 public key; Error "bad_key" for a key that is not a
// valid curve point.
CurvePublicKey ToCurvePublicKey(const PublicKey& key);

// The Ed25519 identity key whose X25519 form is `key`, except for its sign bit (the top bit of
// the last byte), which the conversion drops: the result has it clear. KeyId() of the result is
// the identity's key id either way, so a server can name a refused CurveZMQ client by the key id
// its operator knows. Error "bad_key" for u = -1 (no Ed25519 key maps to it).
PublicKey IdentityOfCurveKey(const CurvePublicKey& key);

// Short printable key id for logs: the first 8 bytes of the key in hex.
std::string KeyId(const PublicKey& key);

// libsodium must be initialised once per process before any other call; every entry point of
// crypto/ calls this itself, so callers need not.
void EnsureSodium();

}  // namespace bangban
