// Fuzz target `bundle`: a bundle file as `import` reads it, through the public reader of
// storage/bundle.h. The input is written to one scratch file (fuzz_target.h) and read back; a
// reader never trusts the file, so anything but bangban's Error is a crash.
#include "crypto/error.h"
#include "storage/bundle.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bangban;
  static fuzz::ScratchFile file("input.bundle");
  const std::filesystem::path& path = file.Write(fuzz::AsText(data, size));
  try {
    const BundleContents contents = ReadBundle(path);
    fuzz::Require(contents.records.size() <= contents.frames, "every record read is one frame found");
    for (const ImportProblem& problem : contents.problems) {
      fuzz::Require(!problem.code.empty() && !problem.message.empty(), "every problem has a code and a sentence");
    }
  } catch (const Error&) {
  }
  return 0;
}
