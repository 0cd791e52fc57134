// The error catalogue: every code a bangban program or peer may give, declared once with its
// meaning. A code is a short stable token: it is what a script, a report or a peer keys on (the
// sentence beside it may change). docs/records.md "Error codes" lists the same codes; a unit test
// (tests/crypto/error_code_test.cc) keeps the two equal.
//
// ErrorCode values exist only as the constants below (ErrorCode::kForked, ...): a misspelt code
// does not compile. A code received from a peer is kept as text (Error::Relayed, crypto/error.h).
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace bangban {

// X(constant, code, meaning). Grouped as docs/records.md groups them.
#define BANGBAN_ERROR_CODES(X)                                                                                        \
  /* using a command */                                                                                               \
  X(kUsage, "usage", "bad usage: a missing, unknown or invalid option or argument (exit 2)")                          \
  X(kInput, "input", "an input file cannot be opened or read")                                                        \
  X(kConfig, "config", "node.toml or hub.toml is missing, unreadable or has a wrong value")                           \
  X(kDataDir, "data_dir", "the data dir is missing, of the wrong kind, or cannot be created or locked")               \
  X(kDaemonRunning, "daemon_running", "a daemon holds the data dir and the command cannot be run by it")              \
  X(kDaemonStopped, "daemon_stopped", "the daemon stopped before it answered a handed-off command")                   \
  X(kControlSocket, "control_socket", "the daemon's control socket cannot be served, reached or read")                \
  X(kInternal, "internal", "an unexpected failure inside the program (a bug: please report it)")                      \
  X(kUnsafePermissions, "unsafe_permissions",                                                                         \
    "the data dir, its configuration or store can be changed by others or is another user's")                         \
  X(kFixedClockRefused, "fixed_clock_refused",                                                                        \
    "a fixed clock (BANGBAN_NOW) at a party that is not a simulation party")                                          \
  /* keys and cryptography */                                                                                         \
  X(kSodiumInit, "sodium_init", "libsodium could not be initialised")                                                 \
  X(kBadKey, "bad_key", "a key or key seed has the wrong size")                                                       \
  X(kKeyFileMissing, "key_file_missing", "a key file (identity, pseudonym or sealing key) does not exist")            \
  X(kKeyFileMode, "key_file_mode", "a key file can be read by group or others")                                       \
  X(kKeyFileFormat, "key_file_format", "a key file is not one: a link, too long or too short, malformed")             \
  X(kKeyFileUnreadable, "key_file_unreadable", "a key file cannot be opened or read (the system says why)")           \
  X(kKeyFileWrite, "key_file_write", "a key file cannot be written (or exists already)")                              \
  X(kUnsealFailed, "unseal_failed", "a sealed box was not sealed to this hub's key or was altered")                   \
  X(kBadProofRequest, "bad_proof_request", "a Merkle proof was asked for leaves the tree does not have")              \
  X(kBadFrontier, "bad_frontier", "a stored Merkle frontier is damaged")                                              \
  /* records */                                                                                                       \
  X(kTooLarge, "too_large", "a record, message or batch exceeds its size limit")                                      \
  X(kMalformed, "malformed", "not the expected shape (msgpack, types, version, seq/prev, trailing bytes)")            \
  X(kBadChain, "bad_chain", "a record's prev is absent exactly when its seq is 1")                                    \
  X(kUnknownType, "unknown_type", "a node was asked to write a record type it does not know (others' are carried)")   \
  X(kInvalidBody, "invalid_body", "a body field is missing, unknown, of the wrong kind or out of range")              \
  X(kInvalidIdNumber, "invalid_id_number", "the applicant's ID number fails GB 11643 (never repeated)")               \
  X(kNotOutletType, "not_outlet_type", "a node was asked to write a hub's record type")                               \
  X(kBadNow, "bad_now", "BANGBAN_NOW is set but is not a time")                                                       \
  X(kDuplicateApp, "duplicate_app",                                                                                   \
    "this outlet already filed an app.submit with that app_id (or the input has it twice)")                           \
  /* storing records from others */                                                                                   \
  X(kBadSignature, "bad_signature", "the signature does not match the bytes and the author")                          \
  X(kUnknownAuthor, "unknown_author", "the author is not enrolled at this hub")                                       \
  X(kNotAuthorized, "not_authorized", "a key record by a key that may not enroll or revoke that key")                 \
  X(kAlreadyRevoked, "already_revoked",                                                                               \
    "the key is already revoked at an earlier seq; a later limit would change nothing")                               \
  X(kRevoked, "revoked", "the author's key was revoked at or before this seq")                                        \
  X(kForked, "forked", "the author signed two records for one feed position; it is quarantined")                      \
  X(kGap, "gap", "a record ahead of the stored head is buffered until the gap closes")                                \
  X(kGapTooLarge, "gap_too_large", "a record too far ahead of the stored head (send the missing first)")              \
  X(kBehind, "behind", "this party's own feed is behind what its hub holds: run recover first")                       \
  X(kStorage, "storage", "an LMDB operation failed")                                                                  \
  X(kCorruptRecord, "corrupt_record",                                                                                 \
    "a stored record no longer decodes or no longer matches its id (a damaged disk)")                                 \
  X(kLogCorrupt, "log_corrupt", "the stored transparency log is missing an entry it must have")                       \
  X(kBundle, "bundle", "a bundle file cannot be written, opened, or is damaged")                                      \
  X(kNotFound, "not_found", "the record asked for is not held here")                                                  \
  X(kBadReceipt, "bad_receipt", "a hub's receipt does not verify")                                                    \
  /* replication */                                                                                                   \
  X(kUnreachable, "unreachable", "the peer did not connect or answer in time")                                        \
  X(kRefused, "refused", "the peer turned this party's key away in the CurveZMQ handshake")                           \
  X(kBind, "bind", "the endpoint to serve cannot be bound")                                                           \
  X(kUnknownMessage, "unknown_message", "a sync message of a type the receiver does not know")                        \
  X(kOverWindow, "over_window", "more pushes in flight than the window the server granted")                           \
  X(kNotAllowed, "not_allowed", "a feed this peer may not pull from here")                                            \
  X(kNotAHub, "not_a_hub", "receipts were asked of a relay node; only a hub gives them")                              \
  /* review workflow (county hubs) */                                                                                 \
  X(kNotCounty, "not_county", "only a county hub reviews applications")                                               \
  X(kUnknownApp, "unknown_app", "no such application has been received by this hub")                                  \
  X(kOtherCounty, "other_county", "the application is another county's case")                                         \
  X(kAmbiguousApp, "ambiguous_app", "the app_id was filed by several outlets of the county: say which with --outlet") \
  X(kBackdated, "backdated", "a review would be dated before the latest tree head the hub signed")                    \
  X(kWorkflow, "workflow", "the review action is not possible in the case's current state")                           \
  X(kCalendar, "calendar", "a working calendar file is missing, damaged or does not cover a date")                    \
  X(kProjection, "projection", "the review projection is inconsistent: run bangban-hub reindex")                      \
  /* oversight (county hubs) */                                                                                       \
  X(kUnknownOutlet, "unknown_outlet", "no outlet of this county is enrolled with that outlet id")                     \
  X(kUnknownComplaint, "unknown_complaint", "no complaint.file record of this county has that id")                    \
  X(kAlreadyDecided, "already_decided", "the complaint already has a verdict; a second one is refused")               \
  /* web pages and accounts (county and city hubs) */                                                                 \
  X(kNotLoggedIn, "not_logged_in", "the page or API needs a signed-in operator (HTTP 401)")                           \
  X(kForbidden, "forbidden", "the signed-in operator's role or county may not do this (HTTP 403)")                    \
  X(kBadCsrf, "bad_csrf", "a web action without the session's CSRF token (HTTP 403)")                                 \
  X(kBadLogin, "bad_login", "the operator name or password is wrong, or the operator is not active")                  \
  X(kLoginThrottled, "login_throttled", "too many failed sign-ins for this name: wait and retry (HTTP 429)")          \
  /* operators and applicant data (county hubs) */                                                                    \
  X(kNotOperator, "not_operator", "the name is not an active operator of this hub with the role the action needs")    \
  X(kOperatorExists, "operator_exists", "the name is already an active operator of this hub")                         \
  X(kNotCustodian, "not_custodian", "applicant data is opened only at the county hub it was sealed to")               \
  X(kKeyShredded, "key_shredded", "the box was sealed to a sealing key that was shredded: no one can open it")        \
  X(kSealingKeyMissing, "sealing_key_missing", "the box names a sealing key this hub never made or no longer has")    \
  X(kNoSealingKey, "no_sealing_key", "the node knows no sealing key of its county hub: sync, or init with one")

class ErrorCode {
 public:
#define BANGBAN_DECLARE_CODE(constant, code, meaning) static const ErrorCode constant;
  BANGBAN_ERROR_CODES(BANGBAN_DECLARE_CODE)
#undef BANGBAN_DECLARE_CODE

  constexpr std::string_view name() const { return name_; }  // e.g. "forked"
  constexpr std::string_view meaning() const { return meaning_; }
  // A code goes wherever its text goes (a wire message, a report line).
  constexpr operator std::string_view() const { return name_; }
  constexpr bool operator==(const ErrorCode& other) const { return name_ == other.name_; }

 private:
  constexpr ErrorCode(std::string_view name, std::string_view meaning) : name_(name), meaning_(meaning) {}

  std::string_view name_;
  std::string_view meaning_;
};

#define BANGBAN_DEFINE_CODE(constant, code, meaning) inline constexpr ErrorCode ErrorCode::constant{code, meaning};
BANGBAN_ERROR_CODES(BANGBAN_DEFINE_CODE)
#undef BANGBAN_DEFINE_CODE

// Every code, in catalogue order.
inline constexpr std::array kErrorCodes = {
#define BANGBAN_LIST_CODE(constant, code, meaning) ErrorCode::constant,
    BANGBAN_ERROR_CODES(BANGBAN_LIST_CODE)
#undef BANGBAN_LIST_CODE
};

// The catalogue's code named `text`, if any (e.g. a code a peer sent).
constexpr std::optional<ErrorCode> FindErrorCode(std::string_view text) {
  for (const ErrorCode& code : kErrorCodes) {
    if (code.name() == text) return code;
  }
  return std::nullopt;
}

// Compares a code held as text (Error::code(), IngestOutcome::code) with a catalogue code.
constexpr bool operator==(std::string_view text, const ErrorCode& code) { return text == code.name(); }

}  // namespace bangban
