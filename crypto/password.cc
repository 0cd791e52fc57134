#include "crypto/password.h"

#include <sodium.h>

#include <mutex>

#include "crypto/error.h"

namespace bangban {

Password::~Password() { sodium_memzero(text_.data(), text_.size()); }

void CheckNewPassword(const Password& password) {
  if (password.view().size() < kMinPasswordLength) {
    throw Error(ErrorCode::kInput, "the password is shorter than " + std::to_string(kMinPasswordLength) + " bytes");
  }
  if (password.view().size() > kMaxPasswordLength) {
    throw Error(ErrorCode::kInput, "the password is longer than " + std::to_string(kMaxPasswordLength) + " bytes");
  }
}

std::string HashPassword(const Password& password) {
  if (sodium_init() < 0) throw Error(ErrorCode::kSodiumInit, "libsodium could not be initialised");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.view().data(), password.view().size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw Error(ErrorCode::kInternal, "hashing the password ran out of memory (Argon2id needs about 64 MiB)");
  }
  return out;
}

bool VerifyPassword(const Password& password, const std::string& hash) {
  if (sodium_init() < 0) throw Error(ErrorCode::kSodiumInit, "libsodium could not be initialised");
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.view().data(), password.view().size()) == 0;
}

void SpendPasswordWork(const Password& password) {
  static std::once_flag once;
  static std::string decoy;
  std::call_once(once, [] { decoy = HashPassword(Password("decoy password, never valid")); });
  VerifyPassword(password, decoy);
}

std::string RandomToken() {
  if (sodium_init() < 0) throw Error(ErrorCode::kSodiumInit, "libsodium could not be initialised");
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  char hex[2 * sizeof bytes + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

}  // namespace bangban
