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

// The bytes of the bundle file at `path`, which must be a regular file: a FIFO would block the
// reader (and, in a daemon, every command queued behind it), and /dev/zero never ends.
Bytes ReadRegularFile(const std::filesystem::path& path) {
  // O_NONBLOCK: opening a FIFO with no writer must not wait; it is refused just below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::kBundle, "cannot open bundle " + path.string() + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    throw Error(ErrorCode::kBundle,
                path.string() + " is not a regular file (a pipe, device or directory); nothing was read");
  }
  Bytes data(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw Error(ErrorCode::kBundle, "cannot read bundle " + path.string() + ": " + std::strerror(errno));
    if (n == 0) break;  // it shrank while being read: what was read is checked like any file
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  return data;
}

}  // namespace

BundleContents ReadBundle(const std::filesystem::path& path) {
  Bytes data = ReadRegularFile(path);
  if (data.size() < kBundleMagic.size() || !std::equal(kBundleMagic.begin(), kBundleMagic.end(), data.begin())) {
    throw Error(ErrorCode::kBundle,
                path.string() + " is not a bangban bundle (it does not start with \"bangban-bundle v1\")");
  }
  BundleContents contents;
  const ByteView whole(data);
  ByteView rest = whole.subspan(kBundleMagic.size());  // from the next frame's length on
  for (;;) {
    const size_t pos = whole.size() - rest.size();
    if (rest.empty()) {
      contents.problems.push_back(InFile("the bundle is truncated after " + std::to_string(contents.frames) +
                                         " frames: its end marker is missing"));
      break;
    }
    std::optional<uint32_t> length = GetBigEndian32(rest);
    if (!length) {
      contents.problems.push_back(AtFrame(contents.frames, pos, ErrorCode::kBundle, "truncated inside a frame length"));
      break;
    }
    if (*length == 0) {  // end marker: frame count, then the digest of everything before it
      std::optional<uint64_t> count = GetBigEndian64(rest);
      std::optional<ByteView> digest = GetRaw(rest, sizeof(Hash32));
      if (!count || !digest || !rest.empty()) {
        contents.problems.push_back(
            InFile("the end marker at byte " + std::to_string(pos) + " is damaged or truncated"));
        break;
      }
      const Hash32 expected = Blake2b256(whole.first(pos));
      if (*count != contents.frames) {
        contents.problems.push_back(InFile("the end marker says " + std::to_string(*count) + " frames but " +
                                           std::to_string(contents.frames) + " were found"));
      } else if (!std::equal(expected.begin(), expected.end(), digest->begin())) {
        contents.problems.push_back(InFile("the bundle checksum does not match: some bytes were altered"));
      }
      break;
    }
    if (*length > kMaxRecordBytes) {
      contents.problems.push_back(AtFrame(contents.frames, pos, ErrorCode::kTooLarge,
                                          "length " + std::to_string(*length) +
                                              " exceeds the record limit; the rest of the file (" +
                                              std::to_string(whole.size() - pos) + " bytes) cannot be read"));
      break;
    }
    std::optional<ByteView> wire = GetRaw(rest, *length);
    if (!wire) {
      contents.problems.push_back(AtFrame(
          contents.frames, pos, ErrorCode::kBundle,
          "truncated (" + std::to_string(*length) + " bytes announced, " + std::to_string(rest.size()) + " present)"));
      break;
    }
    try {
      contents.records.push_back(Record::Decode(*wire));
    } catch (const Error& e) {
      contents.problems.push_back(AtFrame(contents.frames, pos, e.code(), e.what()));
    }
    ++contents.frames;
  }
  return contents;
}

ImportReport ImportBundle(FeedStore& store, const std::filesystem::path& path) {
  BundleContents contents = ReadBundle(path);
  ImportReport report;
  report.problems = contents.problems;
  report.unreadable = contents.frames - contents.records.size();
  constexpr size_t kBatch = 4096;
  for (size_t start = 0; start < contents.records.size(); start += kBatch) {
    size_t end = std::min(contents.records.size(), start + kBatch);
    auto outcomes = store.Ingest(std::span(contents.records).subspan(start, end - start));
    for (const IngestOutcome& o : outcomes) {
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
          report.problems.push_back(Refused(o));
          break;
      }
    }
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
