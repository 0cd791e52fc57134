// The replay driver: links one fuzz target's LLVMFuzzerTestOneInput with the ordinary compiler
// (no libFuzzer) and runs it once on every file of the folders given, so that the ordinary test
// suite replays every kept input (ctest fuzz_corpus_<target>, tests/fuzz/CMakeLists.txt).
//
//   fuzz_replay_<target> [--optional] DIR...
//
// A folder named after --optional may be missing or empty (a target's crashes/ folder); every
// other one must hold at least one file, so a mistyped corpus path cannot pass with nothing run.
// Each input is read whole, up to kMaxInputBytes; a larger file is an error. A crash or a broken
// promise aborts with the input's name on stderr.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr std::uintmax_t kMaxInputBytes = 4 * 1024 * 1024;

bool Replay(const std::filesystem::path& file) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(file, ec);
  if (ec || size > kMaxInputBytes) {
    std::fprintf(stderr, "replay: %s: unreadable or larger than %ju bytes\n", file.c_str(), kMaxInputBytes);
    return false;
  }
  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> data(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!in) {
    std::fprintf(stderr, "replay: %s: cannot read\n", file.c_str());
    return false;
  }
  std::fprintf(stderr, "replay: %s\n", file.c_str());  // names the input if it crashes
  LLVMFuzzerTestOneInput(data.data(), data.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool optional = false;
  size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--optional") {
      optional = true;
      continue;
    }
    const std::filesystem::path dir = arg;
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) {
      for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().filename().string().front() != '.') files.push_back(entry.path());
      }
    }
    if (files.empty() && !optional) {
      std::fprintf(stderr, "replay: %s: no inputs (a corpus folder must hold at least one)\n", dir.c_str());
      return 1;
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      if (!Replay(file)) return 1;
      ++replayed;
    }
    optional = false;
  }
  std::printf("replay: %zu inputs ran without a crash\n", replayed);
  return 0;
}
