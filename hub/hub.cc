#include "hub/hub.h"

#include "protocol/clock.h"

namespace bangban {

namespace {

FeedStore::Options StoreOptions(const HubConfig& config, const PublicKey& own_key) {
  FeedStore::Options options;
  options.roots.push_back({own_key, config.role, config.county});
  if (config.city_key && *config.city_key != own_key) options.roots.push_back({*config.city_key, "city", ""});
  options.require_enrolment = true;
  return options;
}

}  // namespace

PublicKey Hub::Init(const std::filesystem::path& path, const HubConfig& config,
                    const std::optional<std::filesystem::path>& key_file) {
  if (config.role != "county" && config.role != "city") {
    throw Error("usage", "--role must be county or city");
  }
  if (config.county.size() < 4 || config.county.find_first_not_of("0123456789") != std::string::npos) {
    throw Error("usage", "--county must be a division code such as 140802 (county) or 1408 (city)");
  }
  DataDir dir = DataDir::Create(path, "hub");
  SigningKey key = key_file ? SigningKey::Load(*key_file) : SigningKey::Generate();
  key.Save(dir.key_file());
  FeedStore store(dir.store_dir(), StoreOptions(config, key.public_key()));
  config.Save(dir.config_file());
  return key.public_key();
}

Hub::Hub(const std::filesystem::path& path)
    : dir_(DataDir::Open(path, "hub")),
      config_(HubConfig::Load(dir_.config_file())),
      key_(SigningKey::Load(dir_.key_file())),
      store_(std::make_unique<FeedStore>(dir_.store_dir(), StoreOptions(config_, key_.public_key()))) {}

Record Hub::Enrol(const EnrolRequest& r) {
  Json body = {{"key", Json::binary(Bytes(r.key.begin(), r.key.end()))},
               {"role", r.role},
               {"name", r.name},
               {"county", r.county}};
  if (!r.outlet_id.empty()) body["outlet_id"] = r.outlet_id;
  if (r.role == "outlet" && r.outlet_id.empty()) {
    throw Error("usage", "--outlet-id is required to enrol an outlet");
  }
  return store_->AppendOwn(key_, {{"key.enroll", body}}).front();
}

Record Hub::Revoke(const PublicKey& key, uint64_t after_seq, const std::string& reason) {
  Json body = {{"key", Json::binary(Bytes(key.begin(), key.end()))},
               {"after_seq", after_seq},
               {"reason", reason}};
  return store_->AppendOwn(key_, {{"key.revoke", body}}).front();
}

ImportReport Hub::Import(const std::filesystem::path& file) { return ImportBundle(*store_, file); }

size_t Hub::Export(const std::filesystem::path& file) const {
  std::vector<Record> records = AllRecordsForExport(*store_);
  WriteBundle(file, records);
  return records.size();
}

std::vector<std::string> Hub::Audit() const { return store_->Audit(); }

Json Hub::Status() const {
  Json status;
  status["role"] = config_.role;
  status["name"] = config_.name;
  status["county"] = config_.county;
  status["key"] = ToHex(key_.public_key());
  status["records"] = store_->RecordCount();
  status["feeds"] = store_->Heads().size();
  status["enrolled"] = store_->Enrolments().size();
  status["buffered"] = store_->BufferedCount();
  Json quarantined = Json::array();
  for (const auto& [author, reason] : store_->Quarantined()) {
    quarantined.push_back({{"author", ToHex(author)}, {"reason", reason}});
  }
  status["quarantined"] = quarantined;
  return status;
}

}  // namespace bangban
