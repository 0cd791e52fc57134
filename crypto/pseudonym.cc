#include "crypto/pseudonym.h"

#include <sodium.h>

#include <cstring>
#include <string>

#include "crypto/error.h"
#include "crypto/identity.h"
#include "crypto/key_file.h"

namespace bangban {

PseudonymKey PseudonymKey::Generate() {
  EnsureSodium();
  PseudonymKey key;
  randombytes_buf(key.key_.data(), key.key_.size());
  return key;
}

PseudonymKey PseudonymKey::FromBytes(ByteView bytes) {
  EnsureSodium();
  if (bytes.size() != 32) throw Error(ErrorCode::kBadKey, "a pseudonym key must be 32 bytes");
  PseudonymKey key;
  std::memcpy(key.key_.data(), bytes.data(), 32);
  return key;
}

PseudonymKey PseudonymKey::Load(const std::filesystem::path& path) {
  EnsureSodium();
  PseudonymKey key;
  const size_t size = ReadKeyFile(path, "pseudonym key file", {key.key_.data(), key.key_.size()});
  if (size != key.key_.size()) {
    throw Error(ErrorCode::kKeyFileFormat, "pseudonym key file " + path.string() + " must hold exactly 32 bytes");
  }
  return key;
}

void PseudonymKey::Save(const std::filesystem::path& path) const {
  // Never over an existing key: every pseudonym made with it would stop matching.
  CreateKeyFile(path, "pseudonym key file", bytes());
}

Hash32 PseudonymKey::Pseudonym(ByteView personal_data) const {
  Hash32 out;
  crypto_generichash(out.data(), out.size(), personal_data.data(), personal_data.size(), key_.data(), key_.size());
  return out;
}

Hash32 PseudonymKey::PseudonymOfIdNumber(std::string_view id_number) const {
  std::string normal(id_number);
  for (char& c : normal) {
    if (c == 'x') c = 'X';
  }
  Hash32 out = Pseudonym(AsBytes(normal));
  sodium_memzero(normal.data(), normal.size());
  return out;
}

}  // namespace bangban
