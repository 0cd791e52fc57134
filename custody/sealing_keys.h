// SealingKeys: a county hub's sealing keys, one X25519 key pair per period (a calendar month,
// China time, named "YYYY-MM"). Outlets seal applicant data (app.submit's applicant, a
// complaint's text) to the public key of a period; the hub publishes each public key as a signed
// `key.sealing` record in its own feed, so nodes learn it when they sync. Each secret lives in its
// own file, DIR/sealing/PERIOD.key (mode 0600, 32 bytes), never in LMDB, whose free pages and
// copies would keep it. When a period's retention has passed, Shred overwrites the file, removes
// it and only then appends a signed `key.shred` record naming the period: from then on that
// period's boxes cannot be opened by anyone, while every record stays valid. A period whose key
// was published or shredded is never made again; a shredded key's file found back (a restored
// backup) is shredded again. docs/personal-data.md describes the schedule.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "crypto/identity.h"
#include "storage/feed_store.h"

namespace bangban {

// The period of an instant ("2026-12"), by the China calendar like every date of the service.
std::string SealingPeriodAt(int64_t epoch_ms);
// "YYYY-MM" with a month 01..12.
bool IsValidSealingPeriod(std::string_view period);
// The period `months` after `period` (months >= 0).
std::string SealingPeriodAfter(const std::string& period, int months);
// The first instant of the period (China midnight of its first day).
int64_t SealingPeriodStartMs(const std::string& period);

// How long before a period starts its key is published, so that nodes offline for a while have
// learned it by then.
inline constexpr int kPublishAheadDays = 7;

enum class SealingKeyState {
  kCurrent,   // the period of the hub's clock: new boxes are sealed to it
  kKept,      // another period, its secret held
  kShredded,  // a key.shred record names it: no one can open its boxes
  kMissing,   // published, not shredded, but its file is gone (reported, never remade)
};
std::string_view ToString(SealingKeyState state);

struct SealingKeyInfo {
  std::string period;
  CurvePublicKey public_key{};
  SealingKeyState state = SealingKeyState::kKept;
  int64_t published_ms = 0;            // the key.sealing record's time
  std::optional<int64_t> shredded_ms;  // the key.shred record's time
  bool file_present = false;           // the secret file exists (a shredded one: a restored backup)
};

// What a shred pass did to one period.
struct ShredDone {
  std::string period;
  bool redone = false;  // a key.shred record already named it: its file had come back (a backup)
};

// A box that arrived sealed to a key the hub cannot open: a period it never published, or one
// already shredded when the record was received. The record is valid and kept (principle 6);
// the box is counted as unreadable and the outlet told (key.sealing_stale).
struct UnreadableBox {
  RecordId record{};
  std::string type;       // app.submit | complaint.file
  std::string outlet_id;  // its author's enrolled outlet id
  std::string period;     // the key it names
  std::string why;        // a sentence
};

// The period an app.submit's applicant box or a complaint.file's box names ("sealing_key"), or
// nullopt: another type, or a box made before sealing keys (sealed to the hub's identity key).
std::optional<std::string> SealedBoxPeriod(const Record& record);

// What the hub's own feed says about its sealing keys at one moment.
struct SealingKeyBook {
  std::map<std::string, SealingKeyInfo> keys;  // by period: published keys
  std::map<std::string, int64_t> shredded;     // by period: the key.shred record's time

  // Why a box sealed to `period` and received at `received_ms` cannot be opened here (a
  // sentence without "; no one can open it"), or "" if it can: a period never published, or one
  // shredded at or before the box arrived.
  std::string WhyUnreadable(const std::string& period, int64_t received_ms) const;
};

class SealingKeys {
 public:
  // `root`: the hub's data dir (keys in root/sealing/). `hub_key` signs the records and opens the
  // boxes of records made before sealing keys (which name no key).
  SealingKeys(std::filesystem::path root, FeedStore& store, const SigningKey& hub_key);

  // Makes the period's key pair, writes its secret file (atomically, mode 0600), then appends the
  // key.sealing record. Error "usage" if a key.sealing or key.shred record already names the
  // period (a key is never made twice), or the period is malformed.
  SealingKeyInfo Publish(const std::string& period);
  // Publishes the key of the period of `now_ms` and, within kPublishAheadDays of the next
  // period's start, the next one: those not published yet. Returns what it published.
  std::vector<SealingKeyInfo> PublishDue(int64_t now_ms);
  // Shreds every published key whose period ended `retention_months` or more before `now_ms`
  // (and has no key.shred record yet), and any shredded key whose file is back. Per period, in
  // this order: the file is overwritten with zeros, synced, removed, the folder synced, then the
  // key.shred record appended; so a crash between them is finished by the next pass.
  std::vector<ShredDone> ShredDue(int64_t now_ms, int retention_months);

  // Every key in the hub's feed, oldest period first.
  std::vector<SealingKeyInfo> List(int64_t now_ms) const;
  // The key of the period, if published.
  std::optional<SealingKeyInfo> Find(const std::string& period) const;
  // The newest published key whose period has started by `now_ms` (else the oldest published).
  std::optional<SealingKeyInfo> Latest(int64_t now_ms) const;

  // Opens a box sealed to `period`'s key; an empty `period` means the box of a record made
  // before sealing keys, sealed to the hub's identity key. Errors: "key_shredded" (with the date:
  // no one can open it), "sealing_key_missing" (never published here, or its file is gone),
  // "unseal_failed" (not sealed to that key, or altered). The result is clear personal data:
  // wipe it once read.
  Bytes Open(const std::string& period, ByteView box) const;

  std::filesystem::path FileOf(const std::string& period) const;

  // The key.sealing and key.shred records of the hub's own feed, with each file's presence as
  // it is now. Folded incrementally: each call reads only the own records appended since the
  // last one, so calling it often costs no scan of the feed.
  SealingKeyBook Book() const;

  // Appends one key.sealing_stale record per outlet among `unreadable` (the county's unreadable
  // boxes, custody/unreadable_boxes.h) with no notice naming the current latest key yet (so at
  // most one per outlet and published key). Returns them.
  std::vector<Record> NotifyStaleOutlets(const std::vector<UnreadableBox>& unreadable, int64_t now_ms);

 private:
  // What the own feed said up to `seq`: the book without file presence, and the outlets told
  // (outlet id, latest period named) by key.sealing_stale records.
  struct Folded {
    uint64_t seq = 0;
    SealingKeyBook book;
    std::set<std::pair<std::string, std::string>> told;
  };
  Folded Fold() const;  // brought up to the own feed's head
  SealingKeyInfo PublishLocked(const std::string& period);

  // One writer at a time: the daemon's pass and a handed-off `key shred-due` may overlap.
  std::mutex writing_;
  mutable std::mutex folding_;  // guards folded_
  mutable Folded folded_;
  std::filesystem::path dir_;  // root/sealing
  FeedStore& store_;
  const SigningKey& hub_key_;
};

}  // namespace bangban
