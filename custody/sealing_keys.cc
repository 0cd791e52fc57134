#include "custody/sealing_keys.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "crypto/error.h"
#include "crypto/key_file.h"
#include "crypto/sealed_box.h"
#include "protocol/civil_time.h"
#include "protocol/clock.h"

namespace bangban {

namespace {

constexpr std::string_view kSealingKeyFile = "sealing key file";

// Writes a new sealing key file in the sealing folder (0700). Never replaces an existing file.
void WriteSecretFile(const std::filesystem::path& file, const CurveSecretKey& secret) {
  std::filesystem::create_directories(file.parent_path());
  ::chmod(file.parent_path().c_str(), 0700);
  if (std::filesystem::exists(file)) {
    throw Error(ErrorCode::kKeyFileWrite, file.string() + " exists already; a sealing key is never made twice");
  }
  CreateKeyFile(file, kSealingKeyFile, {secret.data(), secret.size()});
}

// Reads a sealing key file: exactly 32 bytes (crypto/key_file.h).
CurveSecretKey ReadSecretFile(const std::filesystem::path& file) {
  CurveSecretKey secret;
  if (ReadKeyFile(file, kSealingKeyFile, {secret.data(), secret.size()}) != secret.size()) {
    throw Error(ErrorCode::kKeyFileFormat, file.string() + ": not a sealing key file (32 bytes)");
  }
  return secret;
}

std::string TwoDigits(int n) { return (n < 10 ? "0" : "") + std::to_string(n); }

}  // namespace

std::string SealingPeriodAt(int64_t epoch_ms) {
  CivilDate date = LocalDate(epoch_ms);
  return std::to_string(date.year) + "-" + TwoDigits(date.month);
}

bool IsValidSealingPeriod(std::string_view p) {
  if (p.size() != 7 || p[4] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6}) {
    if (p[i] < '0' || p[i] > '9') return false;
  }
  const int month = (p[5] - '0') * 10 + (p[6] - '0');
  return month >= 1 && month <= 12 && p.substr(0, 4) != "0000";
}

std::string SealingPeriodAfter(const std::string& period, int months) {
  const int index = std::stoi(period.substr(0, 4)) * 12 + std::stoi(period.substr(5, 2)) - 1 + months;
  return std::to_string(index / 12) + "-" + TwoDigits(index % 12 + 1);
}

int64_t SealingPeriodStartMs(const std::string& period) {
  return LocalToEpochMs({std::stoi(period.substr(0, 4)), std::stoi(period.substr(5, 2)), 1}, 0);
}

std::string_view ToString(SealingKeyState state) {
  switch (state) {
    case SealingKeyState::kCurrent:
      return "current";
    case SealingKeyState::kKept:
      return "kept";
    case SealingKeyState::kShredded:
      return "shredded";
    case SealingKeyState::kMissing:
      return "missing";
  }
  return "unknown";
}

std::optional<std::string> SealedBoxPeriod(const Record& r) {
  if (r.type() != "app.submit" && r.type() != "complaint.file") return std::nullopt;
  const Json& body = r.body();
  const Json* holder = r.type() == "app.submit" && body.contains("applicant") ? &body["applicant"] : &body;
  if (!holder->is_object() || !holder->contains("sealing_key") || !(*holder)["sealing_key"].is_string()) {
    return std::nullopt;
  }
  return (*holder)["sealing_key"].get<std::string>();
}

std::string SealingKeyBook::WhyUnreadable(const std::string& period, int64_t received_ms) const {
  auto s = shredded.find(period);
  if (!keys.count(period) && s == shredded.end()) return "sealed to key " + period + ", which this hub never published";
  if (s != shredded.end() && received_ms >= s->second) {
    return "sealed to key " + period + ", shredded on " + FormatRfc3339(s->second) + " before the record arrived";
  }
  return "";
}

SealingKeys::SealingKeys(std::filesystem::path root, FeedStore& store, const SigningKey& hub_key)
    : dir_(std::move(root) / "sealing"), store_(store), hub_key_(hub_key) {}

std::filesystem::path SealingKeys::FileOf(const std::string& period) const { return dir_ / (period + ".key"); }

SealingKeys::Folded SealingKeys::Fold() const {
  std::lock_guard lock(folding_);
  const PublicKey& own = hub_key_.public_key();
  const uint64_t head = store_.Head(own).seq;
  if (head > folded_.seq) {
    store_.ScanFeed(
        own, folded_.seq + 1, head,
        [&](const Record& r) {
          const Json& body = r.body();
          if (!body.is_object()) return true;
          if (r.type() == "key.sealing_stale") {
            folded_.told.insert({body.value("outlet_id", ""), body.value("latest", "")});
            return true;
          }
          if (!body.contains("period") || !body["period"].is_string()) return true;
          const std::string period = body["period"].get<std::string>();
          SealingKeyBook& book = folded_.book;
          if (r.type() == "key.sealing" && body.contains("public_key") && body["public_key"].is_binary() &&
              body["public_key"].get_binary().size() == 32 && !book.keys.count(period)) {
            SealingKeyInfo info;
            info.period = period;
            std::copy_n(body["public_key"].get_binary().begin(), 32, info.public_key.begin());
            info.published_ms = r.envelope().ts;
            book.keys[period] = info;
          }
          if (r.type() == "key.shred" && !book.shredded.count(period)) book.shredded[period] = r.envelope().ts;
          return true;
        },
        [](const FeedStore::DamagedRecord&) {});  // damage is `audit`'s to name
    folded_.seq = head;
  }
  return folded_;
}

SealingKeyBook SealingKeys::Book() const {
  SealingKeyBook book = Fold().book;
  for (auto& [period, info] : book.keys) {
    info.file_present = std::filesystem::exists(FileOf(period));
    if (auto s = book.shredded.find(period); s != book.shredded.end()) info.shredded_ms = s->second;
  }
  return book;
}

SealingKeyInfo SealingKeys::Publish(const std::string& period) {
  std::lock_guard lock(writing_);
  return PublishLocked(period);
}

SealingKeyInfo SealingKeys::PublishLocked(const std::string& period) {
  if (!IsValidSealingPeriod(period)) {
    throw Error(ErrorCode::kUsage, "sealing key period '" + period + "': must be YYYY-MM such as 2026-12");
  }
  SealingKeyBook known = Book();
  if (known.keys.count(period) || known.shredded.count(period)) {
    throw Error(ErrorCode::kUsage, "the sealing key of " + period +
                                       " was made already (its record is in this hub's feed); a key is never made "
                                       "twice, so nothing was written");
  }
  CurveSecretKey secret;
  randombytes_buf(secret.data(), secret.size());
  SealingKeyInfo info;
  info.period = period;
  crypto_scalarmult_base(info.public_key.data(), secret.data());
  // The secret is on disk before its public key is published: no box is ever sealed to a key
  // the hub does not hold.
  WriteSecretFile(FileOf(period), secret);
  Json body = {{"period", period}, {"public_key", Json::binary(Bytes(info.public_key.begin(), info.public_key.end()))}};
  Record record = store_.AppendOwn(hub_key_, {{"key.sealing", body}}).front();
  info.published_ms = record.envelope().ts;
  info.file_present = true;
  return info;
}

std::vector<SealingKeyInfo> SealingKeys::PublishDue(int64_t now_ms) {
  std::vector<std::string> due = {SealingPeriodAt(now_ms)};
  const std::string next = SealingPeriodAfter(due.front(), 1);
  if (SealingPeriodStartMs(next) - now_ms <= int64_t{kPublishAheadDays} * 24 * 3600 * 1000) due.push_back(next);
  std::lock_guard lock(writing_);
  SealingKeyBook known = Book();
  std::vector<SealingKeyInfo> published;
  for (const std::string& period : due) {
    if (known.keys.count(period) || known.shredded.count(period)) continue;
    published.push_back(PublishLocked(period));
  }
  return published;
}

std::vector<ShredDone> SealingKeys::ShredDue(int64_t now_ms, int retention_months) {
  std::lock_guard lock(writing_);
  SealingKeyBook known = Book();
  std::vector<ShredDone> done;
  // Shredded keys whose file came back (a backup restored): shred again, no new record.
  for (const auto& [period, at] : known.shredded) {
    if (!std::filesystem::exists(FileOf(period))) continue;
    ShredKeyFile(FileOf(period), kSealingKeyFile);
    done.push_back({period, true});
  }
  for (const auto& [period, info] : known.keys) {
    if (known.shredded.count(period)) continue;
    // The period ends when the next begins; its boxes are kept `retention_months` after that.
    if (now_ms < SealingPeriodStartMs(SealingPeriodAfter(period, 1 + retention_months))) continue;
    ShredKeyFile(FileOf(period), kSealingKeyFile);
    store_.AppendOwn(hub_key_, {{"key.shred", {{"period", period}, {"retention_months", retention_months}}}});
    done.push_back({period, false});
  }
  return done;
}

std::vector<SealingKeyInfo> SealingKeys::List(int64_t now_ms) const {
  SealingKeyBook known = Book();
  const std::string current = SealingPeriodAt(now_ms);
  std::vector<SealingKeyInfo> out;
  for (auto& [period, info] : known.keys) {
    if (info.shredded_ms) {
      info.state = SealingKeyState::kShredded;
    } else if (!info.file_present) {
      info.state = SealingKeyState::kMissing;
    } else {
      info.state = period == current ? SealingKeyState::kCurrent : SealingKeyState::kKept;
    }
    out.push_back(info);
  }
  return out;
}

std::optional<SealingKeyInfo> SealingKeys::Find(const std::string& period) const {
  for (const SealingKeyInfo& info : List(NowMs())) {
    if (info.period == period) return info;
  }
  return std::nullopt;
}

std::optional<SealingKeyInfo> SealingKeys::Latest(int64_t now_ms) const {
  std::vector<SealingKeyInfo> keys = List(now_ms);
  const std::string current = SealingPeriodAt(now_ms);
  std::optional<SealingKeyInfo> latest;
  for (const SealingKeyInfo& info : keys) {
    if (info.period <= current) latest = info;
  }
  if (!latest && !keys.empty()) latest = keys.front();
  return latest;
}

Bytes SealingKeys::Open(const std::string& period, ByteView box) const {
  if (period.empty()) return Unseal(hub_key_, box);
  SealingKeyBook known = Book();
  if (auto shredded = known.shredded.find(period); shredded != known.shredded.end()) {
    throw Error(ErrorCode::kKeyShredded, "sealed to key " + period + ", shredded on " +
                                             FormatRfc3339(shredded->second) +
                                             " after its retention period; no one can open it");
  }
  auto key = known.keys.find(period);
  if (key == known.keys.end()) {
    throw Error(ErrorCode::kSealingKeyMissing,
                "sealed to key " + period + ", which this hub never published; it cannot be opened here");
  }
  if (!key->second.file_present) {
    throw Error(ErrorCode::kSealingKeyMissing, "sealed to key " + period + ", whose file " + FileOf(period).string() +
                                                   " is missing (not shredded): restore the sealing/ folder from the "
                                                   "backup");
  }
  CurveSecretKey secret = ReadSecretFile(FileOf(period));
  return UnsealWithCurveKey(secret, key->second.public_key, box);
}

std::vector<Record> SealingKeys::NotifyStaleOutlets(const std::vector<UnreadableBox>& unreadable, int64_t now_ms) {
  if (unreadable.empty()) return {};
  std::optional<SealingKeyInfo> latest = Latest(now_ms);
  if (!latest) return {};
  std::lock_guard lock(writing_);
  std::set<std::string> told;  // outlets with a notice naming the latest key
  for (const auto& [outlet_id, period] : Fold().told) {
    if (period == latest->period) told.insert(outlet_id);
  }
  std::vector<std::pair<std::string, Json>> notices;
  for (const UnreadableBox& box : unreadable) {
    if (!told.insert(box.outlet_id).second) continue;
    notices.push_back({"key.sealing_stale",
                       {{"outlet_id", box.outlet_id},
                        {"used", box.period},
                        {"latest", latest->period},
                        {"record", Json::binary(Bytes(box.record.begin(), box.record.end()))}}});
  }
  if (notices.empty()) return {};
  return store_.AppendOwn(hub_key_, notices);
}

}  // namespace bangban
