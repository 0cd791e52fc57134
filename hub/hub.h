// Hub: a county hub (review queue, SLA accounting) or the city hub (oversight, audit). It
// verifies and stores the records of everyone it trusts, enrolls and revokes keys by writing
// records into its own feed, and can prove its store is intact (Audit).
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "custody/applicant_custody.h"
#include "custody/applicant_linker.h"
#include "custody/sealing_keys.h"
#include "hub/hub_config.h"
#include "hub/hub_status.h"
#include "review/applicant_links.h"
#include "review/case_book.h"
#include "review/operator_roster.h"
#include "storage/bundle.h"
#include "storage/data_dir.h"
#include "storage/feed_store.h"
#include "storage/receipt_log_index.h"
#include "storage/transparency_log.h"
#include "sync/sync_client.h"

namespace bangban {

class SyncClient;

struct EnrollRequest {
  PublicKey key{};
  std::string role;  // outlet | county | city
  std::string name;
  std::string county;
  std::string outlet_id;  // outlets only
};

class Hub {
 public:
  // Creates the data dir. A county hub with a new identity (no `key_file`) also makes and
  // publishes the current period's sealing key (custody/sealing_keys.h), returned in `sealing`.
  static PublicKey Init(const std::filesystem::path& dir, const HubConfig& config,
                        const std::optional<std::filesystem::path>& key_file,
                        std::optional<SealingKeyInfo>* sealing = nullptr);

  // Error(ErrorCode::kFixedClockRefused) if the clock is fixed (BANGBAN_NOW) and hub.toml does not say
  // this is a simulation party; checked before anything reads the clock.
  explicit Hub(const std::filesystem::path& dir);
  // The same check for a command the running daemon runs under its sender's clock.
  void CheckClock() const;

  // Writes key.enroll into the hub's feed. Error(ErrorCode::kNotAuthorized) if this hub may not enroll
  // that key (a county hub enrolls outlets of its own county only).
  Record Enroll(const EnrollRequest& request);
  Record Revoke(const PublicKey& key, uint64_t after_seq, const std::string& reason);

  // Writes operator.enroll into the hub's feed: `name` becomes an active operator of this hub
  // with `role` (a county hub: reviewer | county_admin; the city: city_auditor). Errors: "usage"
  // (a role this hub does not have), "operator_exists" (already active: disable it first).
  // `by`, when given, is the county_admin who acts (`user add --by`, the web's admin page): it
  // must be an active county_admin of this hub ("not_operator"), and the record names it.
  Record AddOperator(const std::string& name, const std::string& role, const std::string& by = "");
  // Writes operator.disable: `name` may no longer act here. Error "not_operator" when it is not
  // an active operator of this hub, or `by` (as above) is not an active county_admin.
  Record DisableOperator(const std::string& name, const std::string& reason, const std::string& by = "");

  // Verifies and stores a bundle; an app_id now filed by one more outlet of a county is listed
  // in the report's warnings (stored all the same: each outlet's application is its own case).
  // Streams the file (ImportBundle); with `stop` (the daemon's), ends early once it is set.
  ImportReport Import(const std::filesystem::path& file, const std::atomic<bool>* stop = nullptr);
  // A county hub's review (CaseBook::Review with this hub's key). Error(ErrorCode::kBackdated) if the
  // clock is before the latest tree head this hub signed: a decision is never dated before
  // what the hub already attested.
  ReviewOutcome Review(const ReviewRequest& request);
  size_t Export(const std::filesystem::path& file) const;

  // Serves nodes on `listen` until `stop`; with `upstream`, replicates everything held to the
  // city hub continuously.
  struct RunOptions {
    std::string listen;
    std::string upstream;  // empty: no upstream
    PublicKey upstream_key{};
    // A county hub's SLA watch: called with the cases whose colour changed (every ten seconds
    // at most; not for the first look at the queue), e.g. to update the web pages live.
    std::function<void(const std::vector<ColourChange>&)> colour_changes;
  };
  void Run(const RunOptions& options, const std::atomic<bool>& stop);
  // One exchange with the city hub that also fetches this hub's own feed if the city holds
  // more of it (a county hub restored from an old backup): until then no record may be
  // appended (kBehindFlag in storage/meta_keys.h), since it would fork the hub's feed. `run --upstream`
  // does the same on its first exchange. Error(ErrorCode::kUnreachable) / Error(ErrorCode::kRefused) as SyncClient.
  SyncClient::Result Recover(const std::string& upstream, const PublicKey& upstream_key);
  // While Run replicates to an upstream hub: starts the next exchange now (e.g. the daemon just
  // ran a command handed to it that stored records). Otherwise nothing. Any thread may call it.
  void WakeUpstream();

  // Problems found by re-verifying the whole store; empty means clean. With `flags`, also the
  // stored records that are wrong for this hub (storage/record_flags.h): kept, ignored, named.
  std::vector<std::string> Audit(std::vector<std::string>* flags = nullptr) const;
  HubStatus Status() const;

  const HubConfig& config() const { return config_; }
  const DataDir& data_dir() const { return dir_; }
  const SigningKey& key() const { return key_; }
  FeedStore& store() { return *store_; }
  // Applications: review queue and SLA projection (review/case_book.h).
  CaseBook& cases() { return *cases_; }
  // The named operators of this hub and the hubs below it (review/operator_roster.h).
  OperatorRoster& operators() { return *operators_; }
  // Applicant data: opening a box after a signed pii.access record (custody/applicant_custody.h).
  ApplicantCustody& custody() { return *custody_; }
  // Which applications belong to the same applicant (review/applicant_links.h).
  const ApplicantLinks& links() const { return *links_; }
  // A county hub: links the received applications to pseudonyms (custody/applicant_linker.h)
  // until every stored record was looked at, or `stop`. Error "not_custodian" at the city,
  // which holds no pseudonym key.
  LinkPass LinkApplicants(const std::atomic<bool>* stop = nullptr);
  // The links that the applicant of (app_id, outlet_id) has at this county hub besides that
  // application's own: [{"app_id", "outlet_id", "submit"}]; empty at the city or without a link.
  Json OtherApplications(const std::string& app_id, const std::string& outlet_id) const;
  // {"linked", "distinct", "duplicate_window_days", "likely_duplicates": [...]}: the applicant
  // figures of `report sla` from the county hubs' links (a county hub: its own; the city: every
  // county's, distinct applicants summed), or of one `county` only (`report county-sla`).
  Json ApplicantFigures(const std::string& county = "") const;
  // A county hub's sealing keys by period (custody/sealing_keys.h).
  SealingKeys& sealing_keys() { return *sealing_keys_; }
  // A county hub's applicant and complaint boxes that cannot be opened now, oldest feed first, at
  // most `limit` (custody/unreadable_boxes.h); none at the city.
  std::vector<UnreadableBox> UnreadableBoxes(size_t limit) const;
  // The sealing-key pass a county hub's daemon runs at start and every minute: publishes the
  // current and (a week ahead) the next period's key, shreds the keys past retention and any
  // shredded key whose file came back (a restored backup). Logs each act; returns the shreds.
  std::vector<ShredDone> RunSealingKeyPass();
  // Rebuilds every projection (operators, applications, applicant links) from the stored records.
  ReindexStats Reindex(bool leave_out_damaged);
  // The hub's transparency log (storage/transparency_log.h).
  TransparencyLog& log() { return *log_; }
  // A receipt for a stored record, signing a fresh tree head if none covers it yet.
  std::optional<Receipt> ReceiptFor(const RecordId& id);

 private:
  DataDir dir_;
  HubConfig config_;
  SigningKey key_;
  std::unique_ptr<FeedStore> store_;
  std::unique_ptr<OperatorRoster> operators_;  // folds operator.* records (its observer)
  std::unique_ptr<CaseBook> cases_;            // folds every record store_ keeps (its observer)
  std::unique_ptr<SealingKeys> sealing_keys_;
  std::unique_ptr<ApplicantCustody> custody_;
  std::unique_ptr<ApplicantLinks> links_;       // folds applicant.link records (its observer)
  std::optional<PseudonymKey> pseudonym_key_;   // a county hub's; never the city's
  std::unique_ptr<ApplicantLinker> linker_;     // a county hub's
  std::unique_ptr<ReceiptLogIndex> log_index_;  // the log's index by id, in the store's receipts
  std::unique_ptr<TransparencyLog> log_;        // one leaf per stored record, a signed head per batch
  MDB_dbi clock_skew_ = 0;                      // record id -> how far its ts ran ahead of our clock
  BackgroundSync upstream_;                     // Run's replication to the city, while it runs

  // A county hub's daemon publishes its log, rules and a report snapshot this often
  // (hub/witness_publisher.h); `bangban-hub checkpoint` does it at once.
  static constexpr int kWitnessEverySeconds = 600;
  void PublishWitnessNow();  // logs what it published, or why it could not
  void LinkBatchNow();       // the daemon's turn of linking: one bounded batch, logged
  void LoadPseudonymKey();   // a county hub's; created (and logged) in a data dir made before it
  void NoteClockSkew(LmdbTxn& txn, const Record& record, int64_t received_ms);
  std::optional<Bytes> LatestTreeHead() const;  // binary form
  std::vector<PeerReport> PeerReports() const;
  // ReceiptFor, or Error(ErrorCode::kNotFound): the answer to a prove.
  Receipt ProveReceipt(const RecordId& id);
};

}  // namespace bangban
