// Keyed pseudonyms: a county hub turns an applicant's ID number into a stable pseudonym with a
// secret only it holds (keyed BLAKE2b-256), so that repeat applicants can be matched and the
// city can receive figures without identities. Without the key the pseudonym cannot be reversed
// by enumerating the small space of valid ID numbers.
//
// The key lives in its own file in the county hub's data dir (pseudonym.key: exactly 32 bytes,
// mode 0600), never in a record and never at the city. It is part of the backup: a hub that
// loses it makes new pseudonyms that match none of the old ones (docs/operations.md).
#pragma once

#include <filesystem>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "crypto/secret.h"

namespace bangban {

class PseudonymKey {
 public:
  static PseudonymKey Generate();
  static PseudonymKey FromBytes(ByteView key);  // exactly 32 bytes

  // Reads a key file written by Save (crypto/key_file.h). Errors: "key_file_missing",
  // "key_file_mode" (group or others may read it), "key_file_unreadable", "key_file_format"
  // (not exactly 32 bytes).
  static PseudonymKey Load(const std::filesystem::path& path);
  // Writes the key to `path` atomically (a temporary file with mode 0600, fsync, then linked in
  // under its name, so a crash leaves either no file or the whole key) and never over an
  // existing file: Error "key_file_write".
  void Save(const std::filesystem::path& path) const;

  Hash32 Pseudonym(ByteView personal_data) const;
  // The pseudonym of a resident ID number, normalised first: a final check character written
  // as a lower-case x is the same number as with an upper-case X.
  Hash32 PseudonymOfIdNumber(std::string_view id_number) const;
  ByteView bytes() const { return {key_.data(), key_.size()}; }

 private:
  Secret<32> key_;
};

}  // namespace bangban
