#include "crypto/identity.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "crypto/error.h"

namespace bangban {

namespace {
constexpr std::string_view kKeyFileHeader = "bangban-identity-key v1";

Bytes Prefixed(std::string_view domain, ByteView message) {
  Bytes buffer;
  buffer.reserve(domain.size() + message.size());
  buffer.insert(buffer.end(), domain.begin(), domain.end());
  buffer.insert(buffer.end(), message.begin(), message.end());
  return buffer;
}
}  // namespace

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw Error("sodium_init", "libsodium could not be initialised");
  });
}

SigningKey SigningKey::Generate() {
  EnsureSodium();
  Secret<32> seed;
  randombytes_buf(seed.data(), seed.size());
  return FromSeed({seed.data(), seed.size()});
}

SigningKey SigningKey::FromSeed(ByteView seed) {
  EnsureSodium();
  if (seed.size() != crypto_sign_SEEDBYTES) throw Error("bad_key", "a key seed must be 32 bytes");
  SigningKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_.data(), seed.data());
  return key;
}

SigningKey SigningKey::Load(const std::filesystem::path& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    throw Error("key_file_missing", "key file " + path.string() + " does not exist");
  }
  if ((st.st_mode & 077) != 0) {
    throw Error("key_file_mode", "key file " + path.string() +
                                     " is readable by group or others; run: chmod 600 " +
                                     path.string());
  }
  std::ifstream in(path);
  std::string header, hex;
  std::getline(in, header);
  std::getline(in, hex);
  if (header != kKeyFileHeader) {
    throw Error("key_file_format", "key file " + path.string() + " is not a bangban identity key");
  }
  Secret<32> seed;
  if (hex.size() != 64 || sodium_hex2bin(seed.data(), seed.size(), hex.data(), hex.size(), nullptr,
                                         nullptr, nullptr) != 0) {
    sodium_memzero(hex.data(), hex.size());
    throw Error("key_file_format", "key file " + path.string() + " has a malformed key line");
  }
  sodium_memzero(hex.data(), hex.size());
  return FromSeed({seed.data(), seed.size()});
}

void SigningKey::Save(const std::filesystem::path& path) const {
  std::string text(kKeyFileHeader);
  text += "\n";
  text += ToHex({secret_.data(), 32});
  text += "\n# public " + ToHex(public_key_) + "\n";
  // O_EXCL: never overwrite an identity; 0600 from creation, not chmod afterwards.
  FILE* file = nullptr;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) file = ::fdopen(fd, "w");
  if (file == nullptr) {
    if (fd >= 0) ::close(fd);
    sodium_memzero(text.data(), text.size());
    throw Error("key_file_write", "cannot create key file " + path.string() + ": " +
                                      std::strerror(errno) + " (an existing key is never overwritten)");
  }
  bool ok = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  ok = (std::fflush(file) == 0) && ok && (::fsync(fd) == 0);
  std::fclose(file);
  sodium_memzero(text.data(), text.size());
  if (!ok) throw Error("key_file_write", "cannot write key file " + path.string());
}

Signature SigningKey::Sign(std::string_view domain, ByteView message) const {
  Bytes buffer = Prefixed(domain, message);
  Signature signature;
  crypto_sign_detached(signature.data(), nullptr, buffer.data(), buffer.size(), secret_.data());
  return signature;
}

CurvePublicKey SigningKey::curve_public_key() const { return ToCurvePublicKey(public_key_); }

CurveSecretKey SigningKey::curve_secret_key() const {
  CurveSecretKey out;
  crypto_sign_ed25519_sk_to_curve25519(out.data(), secret_.data());
  return out;
}

bool Verify(const PublicKey& key, std::string_view domain, ByteView message,
            const Signature& signature) {
  EnsureSodium();
  Bytes buffer = Prefixed(domain, message);
  return crypto_sign_verify_detached(signature.data(), buffer.data(), buffer.size(),
                                     key.data()) == 0;
}

CurvePublicKey ToCurvePublicKey(const PublicKey& key) {
  EnsureSodium();
  CurvePublicKey out;
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), key.data()) != 0) {
    throw Error("bad_key", "public key " + KeyId(key) + " is not a valid Ed25519 key");
  }
  return out;
}

std::string KeyId(const PublicKey& key) { return ToHex(ByteView(key).first(8)); }

}  // namespace bangban
