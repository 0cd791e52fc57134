// The data dir of a node or hub: its identity key, its store and its configuration, kept
// together and owner-only (mode 0700), so that one directory is one party.
//
//   DIR/identity.key   Ed25519 identity (mode 0600)
//   DIR/<kind>.toml    configuration (node.toml or hub.toml)
//   DIR/store/         LMDB files
#pragma once

#include <filesystem>
#include <string>

namespace bangban {

class DataDir {
 public:
  // Makes a new data dir for `kind` ("node" or "hub"). Refuses a dir that already holds one.
  static DataDir Create(const std::filesystem::path& root, const std::string& kind);
  // Opens an existing data dir; Error(ErrorCode::kDataDir) with a hint if it was never initialised;
  // Error(ErrorCode::kUnsafePermissions) if the dir, its configuration or its store can be changed by
  // group or others or belong to another user (the identity key has its own, stricter check).
  static DataDir Open(const std::filesystem::path& root, const std::string& kind);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path key_file() const { return root_ / "identity.key"; }
  // A county hub's pseudonym key (crypto/pseudonym.h); the city never has one.
  std::filesystem::path pseudonym_key_file() const { return root_ / "pseudonym.key"; }
  std::filesystem::path config_file() const { return root_ / (kind_ + ".toml"); }
  std::filesystem::path store_dir() const { return root_ / "store"; }

 private:
  DataDir(std::filesystem::path root, std::string kind) : root_(std::move(root)), kind_(std::move(kind)) {}
  std::filesystem::path root_;
  std::string kind_;
};

// A party of production never runs on a fixed clock: a record or review dated by BANGBAN_NOW
// would look genuine. Error(ErrorCode::kFixedClockRefused, naming `config_file` and the setting) when
// the calling thread's clock is fixed (protocol/clock.h ClockIsFixed) and `simulation` (the
// party's `[clock] simulation = true`, set by `init --simulation`) is false.
void RequireRealClockUnlessSimulation(bool simulation, const std::filesystem::path& config_file);

}  // namespace bangban
