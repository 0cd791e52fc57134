#include "storage/data_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include "crypto/error.h"
#include "protocol/clock.h"

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

namespace {

// Refuses `path` if someone other than its owner could change it, or if its owner is another
// user (who could chmod it at will). The configuration names the key that personal data is
// sealed to and whom the party trusts: whoever can edit it could redirect applicants' ID
// numbers and names to a key of their own.
void RequireOnlyOwnerWrites(const std::filesystem::path& path, const std::string& what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;  // absent: the caller says what is missing
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    throw Error(ErrorCode::kUnsafePermissions,
                what + " " + path.string() +
                    " can be changed by group or others, so its settings cannot be trusted;"
                    " run: chmod go-w " +
                    path.string());
  }
  if (st.st_uid != ::geteuid() && st.st_uid != 0) {
    throw Error(ErrorCode::kUnsafePermissions, what + " " + path.string() + " belongs to another user (uid " +
                                                   std::to_string(st.st_uid) + "), who could change it; run: chown " +
                                                   std::to_string(::geteuid()) + " " + path.string());
  }
}

}  // namespace

DataDir DataDir::Open(const std::filesystem::path& root, const std::string& kind) {
  DataDir dir(root, kind);
  if (!std::filesystem::exists(dir.config_file())) {
    throw Error(ErrorCode::kDataDir, root.string() + " is not a bangban " + kind + " data dir (no " + kind +
                                         ".toml); create one with: bangban-" + kind + " init --data " + root.string() +
                                         " ...");
  }
  RequireOnlyOwnerWrites(root, "the data dir");
  RequireOnlyOwnerWrites(dir.config_file(), "the configuration");
  RequireOnlyOwnerWrites(dir.store_dir(), "the store");
  return dir;
}

void RequireRealClockUnlessSimulation(bool simulation, const std::filesystem::path& config_file) {
  if (simulation || !ClockIsFixed()) return;
  throw Error(ErrorCode::kFixedClockRefused,
              "the clock is fixed (BANGBAN_NOW), but " + config_file.string() +
                  " does not say this is a test or simulation party ([clock] simulation = true, set by `init "
                  "--simulation`): a fixed clock would date records and decisions falsely; unset BANGBAN_NOW");
}

}  // namespace bangban
