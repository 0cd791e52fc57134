#include "storage/bundle.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "crypto/coding.h"
#include "crypto/hash.h"
#include "protocol/codec.h"

namespace bangban {

namespace {

void WriteFileDurably(const std::filesystem::path& path, ByteView data) {
  std::filesystem::path temp = path;
  temp += ".partial";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(ErrorCode::kBundle, "cannot create " + temp.string() + ": " + std::strerror(errno));
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n <= 0) {
      ::close(fd);
      throw Error(ErrorCode::kBundle, "cannot write " + temp.string() + ": " + std::strerror(errno));
    }
    written += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) throw Error(ErrorCode::kBundle, "cannot sync " + temp.string());
  std::filesystem::rename(temp, path);
}

ImportProblem Refused(const IngestOutcome& o) {
  ImportProblem p{o.code, o.message, ToHex(o.author), o.seq, std::nullopt, {}};
  p.where = "record " + KeyId(o.author) + " seq " + std::to_string(o.seq) + " (id " + ToHex(o.id).substr(0, 16) + ")";
  return p;
}

// A problem with frame `index` (from 0) at byte `offset`.
ImportProblem AtFrame(size_t index, size_t offset, std::string_view code, std::string message) {
  return {std::string(code),
          std::move(message),
          {},
          0,
          index + 1,
          "frame " + std::to_string(index + 1) + " at byte " + std::to_string(offset)};
}

// A problem with the file as a whole.
ImportProblem InFile(std::string message) { return {std::string(ErrorCode::kBundle.name()), std::move(message)}; }

}  // namespace

void WriteBundle(const std::filesystem::path& path, const std::vector<Record>& records) {
  Bytes out(kBundleMagic.begin(), kBundleMagic.end());
  for (const Record& r : records) {
    PutBigEndian32(out, static_cast<uint32_t>(r.wire().size()));
    PutRaw(out, r.wire());
  }
  Hash32 digest = Blake2b256(out);
  PutBigEndian32(out, 0);
  PutBigEndian64(out, records.size());
  PutRaw(out, digest);
  WriteFileDurably(path, out);
}

namespace {

// A bundle file opened for reading: a regular file only (a FIFO would block the reader, and in
// a daemon every command queued behind it; /dev/zero never ends), read in pieces of at most one
// frame, so memory stays bounded whatever the file's size.
class BundleFile {
 public:
  explicit BundleFile(const std::filesystem::path& path) : path_(path) {
    // O_NONBLOCK: opening a FIFO with no writer must not wait; it is refused just below.
    fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) throw Error(ErrorCode::kBundle, "cannot open bundle " + path.string() + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      throw Error(ErrorCode::kBundle,
                  path.string() + " is not a regular file (a pipe, device or directory); nothing was read");
    }
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~BundleFile() { ::close(fd_); }
  BundleFile(const BundleFile&) = delete;
  BundleFile& operator=(const BundleFile&) = delete;

  // Reads up to `n` bytes into `out` (replacing its contents); fewer only at the end of the file.
  void Read(size_t n, Bytes& out) {
    out.resize(n);
    size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(fd_, out.data() + got, n - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw Error(ErrorCode::kBundle, "cannot read bundle " + path_.string() + ": " + std::strerror(errno));
      if (r == 0) break;  // the end (or the file shrank while being read: checked like any file)
      got += static_cast<size_t>(r);
    }
    out.resize(got);
    offset_ += got;
  }
  uint64_t offset() const { return offset_; }
  uint64_t size() const { return std::max(size_, offset_); }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
};

uint32_t BigEndian32(const Bytes& b) {
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
}

}  // namespace

size_t ScanBundle(const std::filesystem::path& path, const std::function<void(Record)>& on_record,
                  const std::function<void(ImportProblem)>& on_problem, const std::atomic<bool>* stop) {
  BundleFile file(path);
  Bytes piece;
  file.Read(kBundleMagic.size(), piece);
  if (piece.size() < kBundleMagic.size() || !std::equal(kBundleMagic.begin(), kBundleMagic.end(), piece.begin())) {
    throw Error(ErrorCode::kBundle,
                path.string() + " is not a bangban bundle (it does not start with \"bangban-bundle v1\")");
  }
  Blake2b256Stream digest;  // of every byte before the end marker
  digest.Update(piece);
  size_t frames = 0;
  for (;;) {
    if (stop != nullptr && *stop) {
      on_problem(InFile("stopped (SIGTERM) after " + std::to_string(frames) + " frames at byte " +
                        std::to_string(file.offset()) +
                        ": what was read before is kept; run the import again for the rest"));
      break;
    }
    const uint64_t pos = file.offset();
    file.Read(4, piece);
    if (piece.empty()) {
      on_problem(
          InFile("the bundle is truncated after " + std::to_string(frames) + " frames: its end marker is missing"));
      break;
    }
    if (piece.size() < 4) {
      on_problem(AtFrame(frames, pos, ErrorCode::kBundle, "truncated inside a frame length"));
      break;
    }
    const uint32_t length = BigEndian32(piece);
    if (length == 0) {  // end marker: frame count, then the digest of everything before it
      file.Read(8 + sizeof(Hash32), piece);
      Bytes trailing;
      file.Read(1, trailing);
      if (piece.size() < 8 + sizeof(Hash32) || !trailing.empty()) {
        on_problem(InFile("the end marker at byte " + std::to_string(pos) + " is damaged or truncated"));
        break;
      }
      ByteView rest(piece);
      const uint64_t count = *GetBigEndian64(rest);
      const Hash32 expected = digest.Digest();
      if (count != frames) {
        on_problem(InFile("the end marker says " + std::to_string(count) + " frames but " + std::to_string(frames) +
                          " were found"));
      } else if (!std::equal(expected.begin(), expected.end(), rest.begin())) {
        on_problem(InFile("the bundle checksum does not match: some bytes were altered"));
      }
      break;
    }
    if (length > kMaxRecordBytes) {
      on_problem(AtFrame(frames, pos, ErrorCode::kTooLarge,
                         "length " + std::to_string(length) + " exceeds the record limit; the rest of the file (" +
                             std::to_string(file.size() - pos) + " bytes) cannot be read"));
      break;
    }
    digest.Update(piece);
    file.Read(length, piece);
    if (piece.size() < length) {
      on_problem(AtFrame(
          frames, pos, ErrorCode::kBundle,
          "truncated (" + std::to_string(length) + " bytes announced, " + std::to_string(piece.size()) + " present)"));
      break;
    }
    digest.Update(piece);
    std::optional<Record> record;
    try {
      record = Record::Decode(piece);
    } catch (const Error& e) {
      on_problem(AtFrame(frames, pos, e.code(), e.what()));
    }
    ++frames;
    if (record) on_record(std::move(*record));
  }
  return frames;
}

BundleContents ReadBundle(const std::filesystem::path& path) {
  BundleContents contents;
  contents.frames = ScanBundle(
      path, [&](Record r) { contents.records.push_back(std::move(r)); },
      [&](ImportProblem p) { contents.problems.push_back(std::move(p)); });
  return contents;
}

namespace {

// Lists a problem, or only counts it once kMaxListedProblems are listed: a file of a million bad
// frames must not make a report (or a daemon) of a million lines.
void List(std::vector<ImportProblem>& problems, size_t& not_listed, ImportProblem problem) {
  if (problems.size() < kMaxListedProblems) {
    problems.push_back(std::move(problem));
  } else {
    ++not_listed;
  }
}

}  // namespace

ImportReport ImportBundle(FeedStore& store, const std::filesystem::path& path, const std::atomic<bool>* stop) {
  ImportReport report;
  std::vector<ImportProblem> in_file, refused;  // the file's problems are listed first
  size_t not_listed = 0;
  // A batch is ingested once it holds this many records or bytes: one LMDB transaction each,
  // and the memory of one batch at most, however long the file.
  constexpr size_t kBatchRecords = 4096;
  constexpr size_t kBatchBytes = 8 * 1024 * 1024;
  std::vector<Record> batch;
  size_t batch_bytes = 0;
  size_t decoded = 0;
  auto ingest = [&] {
    for (const IngestOutcome& o : store.Ingest(batch)) {
      switch (o.kind) {
        case IngestOutcome::Kind::kAccepted:
          ++report.accepted;
          break;
        case IngestOutcome::Kind::kDuplicate:
          ++report.duplicate;
          break;
        case IngestOutcome::Kind::kBuffered:
          ++report.buffered;
          break;
        case IngestOutcome::Kind::kFork:
        case IngestOutcome::Kind::kRejected:
          ++(o.kind == IngestOutcome::Kind::kFork ? report.forks : report.rejected);
          List(refused, not_listed, Refused(o));
          break;
      }
    }
    batch.clear();
    batch_bytes = 0;
  };
  const size_t frames = ScanBundle(
      path,
      [&](Record r) {
        ++decoded;
        batch_bytes += r.wire().size();
        batch.push_back(std::move(r));
        if (batch.size() >= kBatchRecords || batch_bytes >= kBatchBytes) ingest();
      },
      [&](ImportProblem p) { List(in_file, not_listed, std::move(p)); }, stop);
  if (!batch.empty()) ingest();
  report.unreadable = frames - decoded;
  report.problems = std::move(in_file);
  report.problems.insert(report.problems.end(), std::make_move_iterator(refused.begin()),
                         std::make_move_iterator(refused.end()));
  if (not_listed > 0) {
    report.problems.push_back(InFile("... and " + std::to_string(not_listed) + " more problems, not listed"));
  }
  return report;
}

std::vector<Record> AllRecordsForExport(const FeedStore& store, std::vector<FeedStore::DamagedRecord>* damaged) {
  // Feeds that enroll others go first, shallowest first (the city before the county hubs it
  // enrolled), so a receiver knows every enroller before the records it enrolled.
  std::map<PublicKey, PublicKey> enrolled_by;
  std::set<PublicKey> enrollers;
  for (const Enrollment& e : store.Enrollments()) {
    enrolled_by[e.key] = e.enrolled_by;
    enrollers.insert(e.enrolled_by);
  }
  auto depth = [&](PublicKey key) {
    size_t d = 0;
    for (auto it = enrolled_by.find(key); it != enrolled_by.end() && d < 16; it = enrolled_by.find(key)) {
      key = it->second;
      ++d;
    }
    return d;
  };
  std::map<std::pair<size_t, PublicKey>, std::vector<Record>> first;
  std::vector<Record> rest;
  store.ScanAll(
      [&](const Record& r) {
        if (enrollers.count(r.author())) {
          first[{depth(r.author()), r.author()}].push_back(r);
        } else {
          rest.push_back(r);
        }
        return true;
      },
      [&](const FeedStore::DamagedRecord& d) {
        if (damaged == nullptr)
          throw Error(ErrorCode::kCorruptRecord,
                      "feed " + KeyId(d.author) + " seq " + std::to_string(d.seq) + ": " + d.problem);
        damaged->push_back(d);
      });
  std::vector<Record> out;
  for (auto& [key, records] : first) {
    out.insert(out.end(), std::make_move_iterator(records.begin()), std::make_move_iterator(records.end()));
  }
  out.insert(out.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
  return out;
}

size_t ExportStore(const FeedStore& store, const std::filesystem::path& file) {
  std::vector<FeedStore::DamagedRecord> damaged;
  std::vector<Record> records = AllRecordsForExport(store, &damaged);
  WriteBundle(file, records);
  if (!damaged.empty()) {
    std::string list;
    for (size_t i = 0; i < damaged.size() && i < 20; ++i) {
      list +=
          "\n  feed " + KeyId(damaged[i].author) + " seq " + std::to_string(damaged[i].seq) + ": " + damaged[i].problem;
    }
    if (damaged.size() > 20) list += "\n  ... and " + std::to_string(damaged.size() - 20) + " more";
    throw Error(ErrorCode::kCorruptRecord, file.string() + " holds the " + std::to_string(records.size()) +
                                               " readable records; " + std::to_string(damaged.size()) +
                                               " damaged stored record(s) were left out (run audit):" + list);
  }
  return records.size();
}

}  // namespace bangban
