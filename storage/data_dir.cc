#include "storage/data_dir.h"

#include <sys/stat.h>

#include "crypto/error.h"

namespace bangban {

DataDir DataDir::Create(const std::filesystem::path& root, const std::string& kind) {
  DataDir dir(root, kind);
  if (std::filesystem::exists(dir.config_file()) || std::filesystem::exists(dir.key_file())) {
    throw Error(ErrorCode::kDataDir, root.string() + " already holds a bangban " + kind +
                                "; choose an empty directory (nothing was changed)");
  }
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) throw Error(ErrorCode::kDataDir, "cannot create " + root.string() + ": " + ec.message());
  ::chmod(root.c_str(), 0700);
  return dir;
}

DataDir DataDir::Open(const std::filesystem::path& root, const std::string& kind) {
  DataDir dir(root, kind);
  if (!std::filesystem::exists(dir.config_file())) {
    throw Error(ErrorCode::kDataDir, root.string() + " is not a bangban " + kind + " data dir (no " +
                                kind + ".toml); create one with: bangban-" + kind + " init --data " +
                                root.string() + " ...");
  }
  return dir;
}

}  // namespace bangban
