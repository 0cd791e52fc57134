// Bundles: records carried as a file (a USB stick from a village station). The format is
// documented in docs/records.md:
//
//   "bangban-bundle v1\n"
//   frame*        : u32 big-endian length (1..kMaxRecordBytes) || record wire bytes
//   end marker    : u32 0 || u64 big-endian frame count || BLAKE2b-256 of every byte before
//                   the end marker
//
// A reader never trusts the file: it reads only a regular file, frame by frame (memory bounded
// by one frame and one ingest batch, whatever the file's size); a frame that does not decode is
// named (index and byte offset) and skipped; a broken length ends the readable part; a missing
// or wrong end marker says the file was truncated or altered. Records themselves are self-authenticating, so whatever
// decodes is still checked by signature on import.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/record.h"
#include "storage/feed_store.h"

namespace bangban {

inline constexpr std::string_view kBundleMagic = "bangban-bundle v1\n";

// Writes records to `path` atomically (temporary file, fsync, rename).
void WriteBundle(const std::filesystem::path& path, const std::vector<Record>& records);

// One part of a bundle that was not stored, for a person and a script: its code
// (crypto/error_code.h, or a refused record's outcome code), where it was, and a sentence.
struct ImportProblem {
  std::string code;
  std::string message;
  std::string feed;             // a refused record's author (hex), else empty
  uint64_t seq = 0;             // a refused record's seq, else 0
  std::optional<size_t> frame;  // an unreadable frame's number (from 1), else none
  std::string where;            // the same as words: "frame 17 at byte 5230", "record 1a2b… seq 3 (id …)"

  // "CODE: WHERE: MESSAGE", one line.
  std::string ToString() const { return code + ": " + (where.empty() ? "" : where + ": ") + message; }
};

struct BundleContents {
  std::vector<Record> records;          // every frame that decoded, in file order
  std::vector<ImportProblem> problems;  // one per unreadable frame or damaged part
  size_t frames = 0;                    // frames found (decoded or not)
};

// Reads a bundle frame by frame, with memory bounded by one frame: calls `on_record` for each
// frame that decodes and `on_problem` for each unreadable frame or damaged part, in file order,
// and returns the number of frames found. Stops early, with a problem saying so, once `stop` is
// set (a daemon's SIGTERM). Throws Error(ErrorCode::kBundle) only if the file cannot be opened,
// is not a regular file, or is not a bundle at all.
size_t ScanBundle(const std::filesystem::path& path, const std::function<void(Record)>& on_record,
                  const std::function<void(ImportProblem)>& on_problem, const std::atomic<bool>* stop = nullptr);

// Reads a whole bundle into memory (ScanBundle collecting everything): for tools and tests
// handling bundles they wrote; `import` streams instead. Throws as ScanBundle.
BundleContents ReadBundle(const std::filesystem::path& path);

// An import lists at most this many problems; the rest are counted in one last line.
inline constexpr size_t kMaxListedProblems = 1000;

// What an import did, for printing.
struct ImportReport {
  size_t accepted = 0, duplicate = 0, buffered = 0, forks = 0, rejected = 0;
  size_t unreadable = 0;                // frames that did not decode as records
  std::vector<ImportProblem> problems;  // damaged parts of the file and each rejection
  // Notes on what was stored (e.g. an app_id filed by a second outlet): not refusals.
  std::vector<std::string> warnings;
  bool clean() const { return problems.empty(); }
};

// Streams a bundle into `store`: every readable record is ingested, in batches of bounded size
// as the file is read, so the valid prefix of a damaged, huge or endless file is stored. With
// `stop`, ends between two frames once it is set (the records before are kept).
ImportReport ImportBundle(FeedStore& store, const std::filesystem::path& path, const std::atomic<bool>* stop = nullptr);

// Every record `store` holds, feed by feed in seq order (enrolling hubs' feeds first, so that a
// receiver learns enrollments before the records that depend on them).
// Damaged stored records (see FeedStore::DamagedRecord) are left out and listed in `damaged`.
std::vector<Record> AllRecordsForExport(const FeedStore& store,
                                        std::vector<FeedStore::DamagedRecord>* damaged = nullptr);

// `export`: writes every readable stored record to `file` and returns how many. A damaged record
// does not stop it: the bundle is complete with every good record, and then
// Error(ErrorCode::kCorruptRecord) names each damaged one, so the command still fails visibly.
size_t ExportStore(const FeedStore& store, const std::filesystem::path& file);

}  // namespace bangban
