#include "hub/witness_publisher.h"

#include "crypto/coding.h"
#include "crypto/error.h"
#include "hub/hub.h"
#include "oversight/county_rules.h"
#include "oversight/county_witness.h"
#include "oversight/oversight_config.h"
#include "oversight/oversight_report.h"
#include "oversight/report_snapshot.h"
#include "protocol/clock.h"
#include "review/sla_report.h"

namespace bangban {

namespace {

bool IsWitnessType(const std::string& type) {
  return type == "log.checkpoint" || type == "sla.rules" || type == "report.snapshot";
}

Bytes BigEndian(uint64_t value) {
  Bytes out;
  PutBigEndian64(out, value);
  return out;
}

uint64_t MetaNumber(const FeedStore& store, std::string_view name) {
  std::optional<Bytes> value = store.GetMeta(name);
  return value && value->size() == 8 ? DecodeBigEndian64(value->data()) : 0;
}

// The sla.rules bodies of the profiles registered since the last one published.
std::vector<std::pair<std::string, Json>> NewRules(Hub& hub) {
  std::vector<std::pair<std::string, Json>> entries;
  const uint32_t published = static_cast<uint32_t>(MetaNumber(hub.store(), kWitnessRulesMeta));
  hub.store().env().Read([&](LmdbTxn& txn) {
    for (uint32_t id = published + 1; id <= hub.cases().current_profile_id(); ++id) {
      entries.emplace_back("sla.rules", RulesBody(*hub.cases().Profile(txn, id)));
    }
  });
  return entries;
}

}  // namespace

StoreObserver WitnessBookkeeping(const PublicKey& own_key, FeedStore& store, TransparencyLog& log) {
  return [own_key, &store, &log](LmdbTxn& txn, const Record& record, int64_t) {
    if (record.author() != own_key || !IsWitnessType(record.type())) return;
    store.PutMeta(txn, kWitnessLoggedMeta, BigEndian(log.Size(txn)));
    const Json& body = record.body();
    if (record.type() == "log.checkpoint" && body.contains("head")) {
      const Json::binary_t& head = body["head"].get_binary();
      store.PutMeta(txn, kWitnessHeadMeta, ByteView(head.data(), head.size()));
    }
    if (record.type() == "sla.rules") {
      store.PutMeta(txn, kWitnessRulesMeta, BigEndian(body["profile"].get<uint64_t>()));
    }
  };
}

WitnessPublication PublishWitness(Hub& hub) {
  if (hub.config().role != "county") {
    throw Error(ErrorCode::kNotCounty, "only a county hub publishes its log, rules and snapshots to the city");
  }
  WitnessPublication publication;
  std::vector<std::pair<std::string, Json>> entries = NewRules(hub);
  publication.rules = entries.size();

  std::optional<TreeHead> previous;
  if (std::optional<Bytes> bytes = hub.store().GetMeta(kWitnessHeadMeta)) previous = TreeHead::Decode(*bytes);
  const uint64_t logged_after_last = MetaNumber(hub.store(), kWitnessLoggedMeta);
  std::optional<TreeHead> head;
  std::vector<Bytes> leaves;
  std::vector<Hash32> proof;
  const MDB_dbi log_leaves = OpenLogLeaves(hub.store().env());
  hub.store().env().Write([&](LmdbTxn& txn) {
    const uint64_t size = hub.log().Size(txn);
    if (size == 0 || (previous && size == logged_after_last)) return;  // nothing new but our own
    const uint64_t from = previous ? previous->size : 0;
    head = hub.log().SignHead(txn, hub.key(), NowMs());
    leaves = ReadLogLeaves(txn, log_leaves, from, size - from);
    if (leaves.size() != size - from) throw Error(ErrorCode::kLogCorrupt, "the transparency log has a hole");
    if (previous && previous->size > 0) proof = hub.log().ProveConsistency(txn, previous->size, size);
  });
  if (head) {
    const uint64_t from = previous ? previous->size : 0;
    for (Json& body : CheckpointBodies(from, leaves, *head, proof)) entries.emplace_back("log.checkpoint", body);
    publication.checkpoints = entries.size() - publication.rules;
    SlaReportOptions options;
    options.at_ms = head->timestamp_ms;
    Json document = SlaSnapshotDocument(BuildSlaReport(hub.cases(), options));
    entries.emplace_back("report.snapshot", SnapshotBody(kSlaReport, head->timestamp_ms, document));
    publication.snapshots = 1;
    const OversightConfig config = OversightConfig::Load(hub.data_dir().config_file());
    const CensusScope scope{"county", hub.config().county, hub.key().public_key()};
    Json oversight = OversightSnapshotDocument(
        ComputeOversightReport(hub.store(), hub.cases(), scope, config.inactive_days, head->timestamp_ms));
    entries.emplace_back("report.snapshot", SnapshotBody(kOversightReport, head->timestamp_ms, oversight));
    publication.oversight_snapshots = 1;
    publication.log_size = head->size;
    publication.head = head;
  }
  if (!entries.empty()) hub.store().AppendOwn(hub.key(), entries);
  return publication;
}

}  // namespace bangban
