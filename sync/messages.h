// The sync wire messages (docs/protocol.md, "Messages"): one struct per message, each with the
// one encoder and the one decoder of its fields. A sender fills a struct and sends
// EncodeMessage(message.ToJson()); a receiver reads a frame with DecodeMessage
// (sync/sync_message.h), looks at MessageType and calls the matching FromJson.
//
// ToJson writes exactly the protocol's fields, an optional one only when it is set; the codec
// sorts the keys (the canonical form). FromJson:
// - refuses a message of another type: Error(ErrorCode::kMalformed, "expected a \"welcome\" message, ...");
// - ignores fields it does not know (a newer peer may send more);
// - takes a missing field as empty (0, false, no entries), unless its struct says it is required;
// - refuses a field of the wrong type or size: Error(ErrorCode::kMalformed, "<field>: <why>").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/record.h"
#include "storage/transparency_log.h"
#include "sync/sync_message.h"

namespace bangban {

// The "type" of a message DecodeMessage returned (it checked there is one).
const std::string& MessageType(const Json& message);

// client -> server: opens an exchange with the heads of the client's feeds.
struct HelloMessage {
  static constexpr std::string_view kType = "hello";
  uint64_t version = kSyncVersion;  // "v"; not checked on receipt
  std::vector<FeedPosition> heads;  // every feed the client holds (and always its own)

  Json ToJson() const;
  // Also Error(ErrorCode::kTooLarge) for more than kMaxHeadsPerHello heads: send them in several hellos.
  static HelloMessage FromJson(const Json& message);
};

// server -> client: answers a hello.
struct WelcomeMessage {
  static constexpr std::string_view kType = "welcome";
  uint64_t version = kSyncVersion;    // "v"
  std::vector<FeedPosition> heads;    // the server's head of each feed the hello named, in order
  std::vector<FeedPosition> offered;  // the feeds the client may pull, with the server's heads
  std::optional<Bytes> tree_head;     // a hub's latest signed tree head (binary form)
  // "window" and "push_bytes". Decoding: a field the server did not send (an older server)
  // stays at the protocol's largest; the client bounds what it was granted itself.
  PushGrant grant = kFullGrant;

  Json ToJson() const;
  static WelcomeMessage FromJson(const Json& message);
};

// One record of a push that was not taken, in an ack's "rejections". Two forms on the wire: a
// record that could not be decoded (or whose author a relay refused) is named by its index in
// the push, {code, index, message}; a record that decoded by its id and seq,
// {code, id, message, seq}.
struct RecordRejection {
  std::string code;               // a record code of docs/protocol.md, "Errors and refusals"
  std::string message;            // a sentence for a person
  std::optional<uint64_t> index;  // set: the index form
  RecordId id{};                  // otherwise: the record form
  uint64_t seq = 0;

  static RecordRejection AtIndex(uint64_t index, std::string code, std::string message);
  static RecordRejection OfRecord(const RecordId& id, uint64_t seq, std::string code, std::string message);
  Json ToJson() const;
  // `entry` is one element of "rejections".
  static RecordRejection FromJson(const Json& entry);
};

// client -> server: a batch of records in their wire form.
struct PushMessage {
  static constexpr std::string_view kType = "push";
  uint64_t batch = 0;          // 1, 2, ... within an exchange; 0 for fork evidence
  std::vector<Bytes> records;  // exactly the bytes each author signed
  bool evidence = false;       // a push of fork evidence (written only when true)
  // Decoding only. Entries of "records" that are not bin, or "records" itself not a list, do
  // not fail the push: each is refused in the ack, with its index, and the rest is stored
  // (docs/protocol.md, "ack"). Their slots in `records` stay empty so that every index is the
  // wire's; the rejections are in index order.
  std::vector<RecordRejection> unreadable;

  // The record bytes the push carries: what a grant's push_bytes bounds.
  size_t RecordBytes() const;
  Json ToJson() const;
  static PushMessage FromJson(const Json& message);
};

// server -> client: answers one push, after everything in it is durable.
struct AckMessage {
  static constexpr std::string_view kType = "ack";
  uint64_t batch = 0;               // the push's batch
  std::vector<FeedPosition> heads;  // the server's head after the commit, per author pushed
  uint64_t accepted = 0;
  uint64_t duplicate = 0;
  uint64_t buffered = 0;
  std::vector<RecordRejection> rejections;
  std::optional<Bytes> tree_head;  // a hub's signed tree head covering the push

  Json ToJson() const;
  static AckMessage FromJson(const Json& message);
};

// client -> server: asks for records of the feeds the server offers (and the client's own).
struct PullMessage {
  static constexpr std::string_view kType = "pull";
  std::vector<FeedPosition> feeds;  // each with the client's own head

  Json ToJson() const;
  static PullMessage FromJson(const Json& message);
};

// server -> client: answers a pull.
struct RecordsMessage {
  static constexpr std::string_view kType = "records";
  std::vector<Bytes> records;  // wire form, per feed in seq order
  bool more = false;           // stopped at kMaxPushBytes: pull again from the new heads

  Json ToJson() const;
  static RecordsMessage FromJson(const Json& message);
};

// client -> hub: asks for the receipt of a record.
struct ProveMessage {
  static constexpr std::string_view kType = "prove";
  RecordId id{};  // required

  Json ToJson() const;
  static ProveMessage FromJson(const Json& message);
};

// hub -> client: answers a prove with the receipt in its JSON form (storage/transparency_log.h).
struct ReceiptMessage {
  static constexpr std::string_view kType = "receipt";
  Receipt receipt;  // required; decoding checks its fields (Receipt::FromJson), not its proof

  Json ToJson() const;
  static ReceiptMessage FromJson(const Json& message);
};

// server -> client: instead of an answer.
struct ErrorMessage {
  static constexpr std::string_view kType = "error";
  std::string code;     // stable (docs/protocol.md, "Errors and refusals"); "error" if missing
  std::string message;  // a sentence for a person, naming the field or feed

  // This party's refusal: its code is always one of the catalogue's.
  static ErrorMessage Of(ErrorCode code, std::string message) { return {std::string(code.name()), std::move(message)}; }

  Json ToJson() const;
  static ErrorMessage FromJson(const Json& message);
};

}  // namespace bangban
