// Key files: the small secret files of a data dir (identity.key, pseudonym.key, the monthly
// sealing keys). One set of rules for all of them, so that no key is ever read from a file others
// can read, replaced by a second write, left half-written by a crash, or read without a bound.
//
// Every error names the file (`what` is how the message calls it, e.g. "pseudonym key file")
// and carries one of the key-file codes: key_file_missing, key_file_unreadable, key_file_mode,
// key_file_format, key_file_write.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>

#include "crypto/bytes.h"

namespace bangban {

// Reads the whole key file into `out` and returns how many bytes it holds. The file must be a
// regular file (a symbolic link is refused), unreadable by group and others (key_file_mode), and
// at most out.size() bytes (key_file_format); at most out.size() + 1 bytes are ever read. The
// caller checks the length and contents it expects.
size_t ReadKeyFile(const std::filesystem::path& file, std::string_view what, std::span<uint8_t> out);

// Creates the key file with `contents`: written to a temporary file that is 0600 from its
// creation, synced, then linked in under its name (so a crash leaves either no file or the whole
// key) and the folder synced. Never replaces an existing file: key_file_write, since everything
// made with the old key would stop matching.
void CreateKeyFile(const std::filesystem::path& file, std::string_view what, ByteView contents);

// Overwrites a key file with zeros, syncs it, removes it and syncs the folder: the key can no
// longer be read from this disk's file. Nothing if there is no file; key_file_write on failure.
void ShredKeyFile(const std::filesystem::path& file, std::string_view what);

}  // namespace bangban
