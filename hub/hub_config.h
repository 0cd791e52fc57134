// hub.toml: which hub this is (county or city), and whom it trusts.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "crypto/identity.h"

namespace bangban {

struct HubConfig {
  std::string role;                   // county | city
  std::string name;                   // e.g. 盐湖区行政审批服务管理局
  std::string county;                 // six-digit county code (county hubs); the city code for the city hub
  std::optional<PublicKey> city_key;  // the city root a county hub answers to
  // [clock] simulation = true: a test or simulation party, which may run on a fixed clock
  // (BANGBAN_NOW); every other hub refuses one (storage/data_dir.h).
  bool simulation = false;
  // [applicants] duplicate_window_days: two applications of one applicant for the same entity
  // name at two outlets at most this many days apart are a likely duplicate (docs/personal-data.md).
  int duplicate_window_days = 30;
  // [applicants] link_in_daemon: the running daemon links received applications by itself, a
  // batch each second (custody/applicant_linker.h). Off: only `bangban-hub link` does.
  bool link_in_daemon = true;
  // [applicants] retention_months: how many months after a sealing period ends its key is
  // shredded (custody/sealing_keys.h). Default 12, why in docs/personal-data.md.
  int retention_months = kDefaultRetentionMonths;
  static constexpr int kDefaultRetentionMonths = 12;

  // Error(ErrorCode::kConfig, "<file>: <field>: <problem>").
  static HubConfig Load(const std::filesystem::path& file);
  void Save(const std::filesystem::path& file) const;
};

}  // namespace bangban
