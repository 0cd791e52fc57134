// Hub: a county hub (review queue, SLA accounting) or the city hub (oversight, audit). It
// verifies and stores the records of everyone it trusts, enrols and revokes keys by writing
// records into its own feed, and can prove its store is intact (Audit).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hub/hub_config.h"
#include "storage/bundle.h"
#include "storage/data_dir.h"
#include "storage/feed_store.h"

namespace bangban {

struct EnrolRequest {
  PublicKey key{};
  std::string role;  // outlet | county | city
  std::string name;
  std::string county;
  std::string outlet_id;  // outlets only
};

class Hub {
 public:
  static PublicKey Init(const std::filesystem::path& dir, const HubConfig& config,
                        const std::optional<std::filesystem::path>& key_file);

  explicit Hub(const std::filesystem::path& dir);

  // Writes key.enroll into the hub's feed. Error("not_authorized") if this hub may not enrol
  // that key (a county hub enrols outlets of its own county only).
  Record Enrol(const EnrolRequest& request);
  Record Revoke(const PublicKey& key, uint64_t after_seq, const std::string& reason);

  ImportReport Import(const std::filesystem::path& file);
  size_t Export(const std::filesystem::path& file) const;

  // Problems found by re-verifying the whole store; empty means clean.
  std::vector<std::string> Audit() const;
  Json Status() const;

  const HubConfig& config() const { return config_; }
  const SigningKey& key() const { return key_; }
  FeedStore& store() { return *store_; }

 private:
  DataDir dir_;
  HubConfig config_;
  SigningKey key_;
  std::unique_ptr<FeedStore> store_;
};

}  // namespace bangban
