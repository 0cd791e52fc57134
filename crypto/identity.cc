#include "crypto/identity.h"

#include <cstring>
#include <mutex>

#include "crypto/error.h"
#include "crypto/key_file.h"

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

// Arithmetic modulo p = 2^255 - 19, just enough to map an X25519 u back to an Edwards y
// (RFC 7748 section 4.1: y = (u - 1) / (u + 1)). Not constant-time: it only handles public keys.
class FieldElement {
 public:
  static FieldElement FromBytes(const std::array<uint8_t, 32>& bytes) {
    FieldElement f;
    for (int i = 0; i < 4; ++i) {
      for (int b = 7; b >= 0; --b) f.limb_[i] = (f.limb_[i] << 8) | bytes[8 * i + b];
    }
    f.limb_[3] &= 0x7fffffffffffffffULL;  // RFC 7748: the top bit of u is ignored
    f.Canonicalize();
    return f;
  }
  static FieldElement One() {
    FieldElement f;
    f.limb_[0] = 1;
    return f;
  }

  std::array<uint8_t, 32> ToBytes() const {
    std::array<uint8_t, 32> out{};
    for (int i = 0; i < 32; ++i) out[i] = static_cast<uint8_t>(limb_[i / 8] >> (8 * (i % 8)));
    return out;
  }
  bool IsZero() const { return (limb_[0] | limb_[1] | limb_[2] | limb_[3]) == 0; }

  FieldElement operator+(const FieldElement& other) const {
    FieldElement sum;
    unsigned __int128 carry = 0;
    for (int i = 0; i < 4; ++i) {
      carry += static_cast<unsigned __int128>(limb_[i]) + other.limb_[i];
      sum.limb_[i] = static_cast<uint64_t>(carry);
      carry >>= 64;
    }
    sum.Canonicalize();  // both < p < 2^255, so the sum fits in 256 bits
    return sum;
  }
  FieldElement operator-(const FieldElement& other) const {
    // a - b = a + (p - b); p - b is in [1, p] for canonical b.
    FieldElement negated = Modulus();
    uint64_t borrow = 0;
    for (int i = 0; i < 4; ++i) {
      unsigned __int128 d = static_cast<unsigned __int128>(negated.limb_[i]) - other.limb_[i] - borrow;
      negated.limb_[i] = static_cast<uint64_t>(d);
      borrow = static_cast<uint64_t>(d >> 64) & 1;
    }
    return *this + negated;
  }
  FieldElement operator*(const FieldElement& other) const {
    uint64_t wide[8] = {};
    for (int i = 0; i < 4; ++i) {
      unsigned __int128 carry = 0;
      for (int j = 0; j < 4; ++j) {
        carry += static_cast<unsigned __int128>(limb_[i]) * other.limb_[j] + wide[i + j];
        wide[i + j] = static_cast<uint64_t>(carry);
        carry >>= 64;
      }
      wide[i + 4] = static_cast<uint64_t>(carry);
    }
    // 2^256 = 38 (mod p): fold the high half into the low one, twice.
    FieldElement product;
    unsigned __int128 carry = 0;
    for (int i = 0; i < 4; ++i) {
      carry += static_cast<unsigned __int128>(wide[i]) + static_cast<unsigned __int128>(wide[i + 4]) * 38;
      product.limb_[i] = static_cast<uint64_t>(carry);
      carry >>= 64;
    }
    carry *= 38;
    for (int i = 0; i < 4 && carry != 0; ++i) {
      carry += product.limb_[i];
      product.limb_[i] = static_cast<uint64_t>(carry);
      carry >>= 64;
    }
    product.Canonicalize();
    return product;
  }
  // x^(p-2) = 1/x for x != 0 (Fermat).
  FieldElement Inverse() const {
    FieldElement exponent = Modulus() - One() - One();
    FieldElement result = One();
    for (int bit = 254; bit >= 0; --bit) {
      result = result * result;
      if ((exponent.limb_[bit / 64] >> (bit % 64)) & 1) result = result * *this;
    }
    return result;
  }

 private:
  static FieldElement Modulus() {
    FieldElement p;
    p.limb_ = {0xffffffffffffffedULL, 0xffffffffffffffffULL, 0xffffffffffffffffULL, 0x7fffffffffffffffULL};
    return p;
  }
  // Brings a value below 2^256 into [0, p): at most two subtractions of p.
  void Canonicalize() {
    const FieldElement p = Modulus();
    while (!LessThan(p)) {
      uint64_t borrow = 0;
      for (int i = 0; i < 4; ++i) {
        unsigned __int128 d = static_cast<unsigned __int128>(limb_[i]) - p.limb_[i] - borrow;
        limb_[i] = static_cast<uint64_t>(d);
        borrow = static_cast<uint64_t>(d >> 64) & 1;
      }
    }
  }
  bool LessThan(const FieldElement& other) const {
    for (int i = 3; i >= 0; --i) {
      if (limb_[i] != other.limb_[i]) return limb_[i] < other.limb_[i];
    }
    return false;
  }

  std::array<uint64_t, 4> limb_{};
};
}  // namespace

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw Error(ErrorCode::kSodiumInit, "libsodium could not be initialised");
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
  if (seed.size() != crypto_sign_SEEDBYTES) throw Error(ErrorCode::kBadKey, "a key seed must be 32 bytes");
  SigningKey key;
  crypto_sign_seed_keypair(key.public_key_.data(), key.secret_.data(), seed.data());
  return key;
}

SigningKey SigningKey::Load(const std::filesystem::path& path) {
  // Header, 64 hex digits, the public key as a comment: well under 512 bytes.
  Secret<512> text;
  const size_t size = ReadKeyFile(path, "key file", {text.data(), text.size()});
  const std::string_view file(reinterpret_cast<const char*>(text.data()), size);
  const size_t header_end = file.find('\n');
  if (header_end == std::string_view::npos || file.substr(0, header_end) != kKeyFileHeader) {
    throw Error(ErrorCode::kKeyFileFormat, "key file " + path.string() + " is not a bangban identity key");
  }
  std::string_view hex = file.substr(header_end + 1);
  hex = hex.substr(0, hex.find('\n'));
  Secret<32> seed;
  if (hex.size() != 64 ||
      sodium_hex2bin(seed.data(), seed.size(), hex.data(), hex.size(), nullptr, nullptr, nullptr) != 0) {
    throw Error(ErrorCode::kKeyFileFormat, "key file " + path.string() + " has a malformed key line");
  }
  return FromSeed({seed.data(), seed.size()});
}

void SigningKey::Save(const std::filesystem::path& path) const {
  // Written in one reserved buffer, so no copy of the secret's hex is left unwiped on the heap.
  std::string text;
  text.reserve(256);
  text += kKeyFileHeader;
  text += '\n';
  const size_t hex_at = text.size();
  text.resize(hex_at + 2 * 32 + 1);
  sodium_bin2hex(text.data() + hex_at, 2 * 32 + 1, secret_.data(), 32);
  text.resize(hex_at + 2 * 32);
  text += "\n# public " + ToHex(public_key_) + "\n";
  try {
    CreateKeyFile(path, "key file", AsBytes(text));  // never over an existing identity
  } catch (...) {
    sodium_memzero(text.data(), text.size());
    throw;
  }
  sodium_memzero(text.data(), text.size());
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

bool Verify(const PublicKey& key, std::string_view domain, ByteView message, const Signature& signature) {
  EnsureSodium();
  Bytes buffer = Prefixed(domain, message);
  return crypto_sign_verify_detached(signature.data(), buffer.data(), buffer.size(), key.data()) == 0;
}

CurvePublicKey ToCurvePublicKey(const PublicKey& key) {
  EnsureSodium();
  CurvePublicKey out;
  if (crypto_sign_ed25519_pk_to_curve25519(out.data(), key.data()) != 0) {
    throw Error(ErrorCode::kBadKey, "public key " + KeyId(key) + " is not a valid Ed25519 key");
  }
  return out;
}

PublicKey IdentityOfCurveKey(const CurvePublicKey& key) {
  FieldElement u = FieldElement::FromBytes(key);
  FieldElement denominator = u + FieldElement::One();
  if (denominator.IsZero()) throw Error(ErrorCode::kBadKey, "X25519 key " + ToHex(key) + " has no Ed25519 form");
  return ((u - FieldElement::One()) * denominator.Inverse()).ToBytes();  // y < p: the sign bit is clear
}

std::string KeyId(const PublicKey& key) { return ToHex(ByteView(key).first(8)); }

}  // namespace bangban
