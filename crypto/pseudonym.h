// Keyed pseudonyms: a county hub turns an applicant's ID number into a stable pseudonym with a
// secret only it holds (keyed BLAKE2b-256), so that repeat applicants can be matched and the
// city can receive figures without identities. Without the key the pseudonym cannot be reversed
// by enumerating the small space of valid ID numbers.
#pragma once

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/secret.h"

namespace bangban {

class PseudonymKey {
 public:
  static PseudonymKey Generate();
  static PseudonymKey FromBytes(ByteView key);  // exactly 32 bytes
  Hash32 Pseudonym(ByteView personal_data) const;
  ByteView bytes() const { return {key_.data(), key_.size()}; }

 private:
  Secret<32> key_;
};

}  // namespace bangban
