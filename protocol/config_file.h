// Configuration and reference files (node.toml, hub.toml, calendars, rules) read bounded: an
// operator's file is trusted no more than a peer's bytes, so a FIFO, a device or a file of any
// size is refused before it is read, never hung on or held whole in memory.
#pragma once

#include <toml++/toml.h>
#include <cstddef>
#include <filesystem>
#include <string>

#include "crypto/error.h"

namespace bangban {

// Larger than any real configuration, calendar or rules file by far.
inline constexpr size_t kMaxConfigFileBytes = 1 << 20;

// The whole text of `path`. Error(`code`) naming the file and `what` (e.g. "the calendar file")
// if it cannot be opened, is not a regular file, is larger than kMaxConfigFileBytes or cannot be
// read.
std::string ReadConfigText(const std::filesystem::path& path, ErrorCode code, const std::string& what);

// ReadConfigText(path, kConfig, ...) parsed as TOML; a syntax error is Error(kConfig)
// "FILE: description".
toml::table ParseTomlFile(const std::filesystem::path& path);

}  // namespace bangban
