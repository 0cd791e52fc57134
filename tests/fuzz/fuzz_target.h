// What every fuzz target of tests/fuzz/ shares. A target is one file defining
// LLVMFuzzerTestOneInput: built with clang and libFuzzer (deploy/fuzz.sh) it is fuzzed; built with
// the ordinary compiler and tests/fuzz/replay_main.cc it replays its kept corpus and crashing
// inputs as a ctest test (fuzz_corpus_<target>). See docs/testing.md.
//
// The rule for every target: an input may be refused only with bangban's Error (a clean,
// specific refusal); any other exception escaping, a sanitizer report, a leak or a broken
// invariant (Require) is a crash.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace bangban::fuzz {

// Ends the run when what the code under test promises does not hold: libFuzzer keeps the input
// as a crash, the replay driver's test fails.
inline void Require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "fuzz: broken promise: %s\n", promise);
  std::abort();
}

inline std::string_view AsText(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

// One file in a private directory under the system temporary directory, made when first used and
// removed with the directory when the process ends normally. Targets whose code under test reads
// a path write each input here: nothing is written anywhere else, and one file is reused, so runs
// do not pile up files.
class ScratchFile {
 public:
  explicit ScratchFile(std::string name) {
    std::string pattern = (std::filesystem::temp_directory_path() / "bangban-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("fuzz: mkdtemp");
      std::abort();
    }
    dir_ = pattern;
    path_ = dir_ / name;
  }
  ~ScratchFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Replaces the file's content with `text`, owner-only (configuration readers refuse files
  // others could write).
  const std::filesystem::path& Write(std::string_view text) {
    {
      std::ofstream out(path_, std::ios::binary | std::ios::trunc);
      out.write(text.data(), static_cast<std::streamsize>(text.size()));
      if (!out) {
        std::fprintf(stderr, "fuzz: cannot write %s\n", path_.c_str());
        std::abort();
      }
    }
    std::filesystem::permissions(path_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    return path_;
  }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

}  // namespace bangban::fuzz
