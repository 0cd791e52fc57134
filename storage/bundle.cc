#include "storage/bundle.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "crypto/hash.h"
#include "protocol/codec.h"

namespace bangban {

namespace {

void PutU32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

uint32_t GetU32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

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
  return {std::string(code), std::move(message), {}, 0, index + 1,
          "frame " + std::to_string(index + 1) + " at byte " + std::to_string(offset)};
}

// A problem with the file as a whole.
ImportProblem InFile(std::string message) { return {std::string(ErrorCode::kBundle.name()), std::move(message)}; }

}  // namespace

void WriteBundle(const std::filesystem::path& path, const std::vector<Record>& records) {
  Bytes out(kBundleMagic.begin(), kBundleMagic.end());
  for (const Record& r : records) {
    PutU32(out, static_cast<uint32_t>(r.wire().size()));
    out.insert(out.end(), r.wire().begin(), r.wire().end());
  }
  Hash32 digest = Blake2b256(out);
  PutU32(out, 0);
  uint8_t count[8];
  PutBigEndian64(count, records.size());
  out.insert(out.end(), count, count + 8);
  out.insert(out.end(), digest.begin(), digest.end());
  WriteFileDurably(path, out);
}

BundleContents ReadBundle(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kBundle, "cannot open bundle " + path.string());
  Bytes data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() < kBundleMagic.size() ||
      !std::equal(kBundleMagic.begin(), kBundleMagic.end(), data.begin())) {
    throw Error(ErrorCode::kBundle, path.string() + " is not a bangban bundle (it does not start with \"bangban-bundle v1\")");
  }
  BundleContents contents;
  size_t pos = kBundleMagic.size();
  for (;;) {
    if (pos == data.size()) {
      contents.problems.push_back(InFile("the bundle is truncated after " + std::to_string(contents.frames) +
                                         " frames: its end marker is missing"));
      break;
    }
    if (data.size() - pos < 4) {
      contents.problems.push_back(AtFrame(contents.frames, pos, ErrorCode::kBundle, "truncated inside a frame length"));
      break;
    }
    uint32_t length = GetU32(data.data() + pos);
    if (length == 0) {  // end marker
      if (data.size() - pos != 4 + 8 + 32) {
        contents.problems.push_back(InFile("the end marker at byte " + std::to_string(pos) + " is damaged or truncated"));
        break;
      }
      uint64_t count = GetBigEndian64(data.data() + pos + 4);
      Hash32 digest = Blake2b256(ByteView(data.data(), pos));
      if (count != contents.frames) {
        contents.problems.push_back(InFile("the end marker says " + std::to_string(count) + " frames but " +
                                           std::to_string(contents.frames) + " were found"));
      } else if (!std::equal(digest.begin(), digest.end(), data.data() + pos + 12)) {
        contents.problems.push_back(InFile("the bundle checksum does not match: some bytes were altered"));
      }
      break;
    }
    if (length > kMaxRecordBytes) {
      contents.problems.push_back(AtFrame(contents.frames, pos, ErrorCode::kTooLarge,
                                          "length " + std::to_string(length) +
                                              " exceeds the record limit; the rest of the file (" +
                                              std::to_string(data.size() - pos) + " bytes) cannot be read"));
      break;
    }
    if (data.size() - pos - 4 < length) {
      contents.problems.push_back(AtFrame(contents.frames, pos, ErrorCode::kBundle,
                                          "truncated (" + std::to_string(length) + " bytes announced, " +
                                              std::to_string(data.size() - pos - 4) + " present)"));
      break;
    }
    try {
      contents.records.push_back(Record::Decode(ByteView(data.data() + pos + 4, length)));
    } catch (const Error& e) {
      contents.problems.push_back(AtFrame(contents.frames, pos, e.code(), e.what()));
    }
    ++contents.frames;
    pos += 4 + length;
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
        case IngestOutcome::Kind::kAccepted: ++report.accepted; break;
        case IngestOutcome::Kind::kDuplicate: ++report.duplicate; break;
        case IngestOutcome::Kind::kBuffered: ++report.buffered; break;
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

std::vector<Record> AllRecordsForExport(const FeedStore& store) {
  // Feeds that enrol others go first, shallowest first (the city before the county hubs it
  // enrolled), so a receiver knows every enroller before the records it enrolled.
  std::map<PublicKey, PublicKey> enrolled_by;
  std::set<PublicKey> enrollers;
  for (const Enrolment& e : store.Enrolments()) {
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
  store.ScanAll([&](const Record& r) {
    if (enrollers.count(r.author())) {
      first[{depth(r.author()), r.author()}].push_back(r);
    } else {
      rest.push_back(r);
    }
    return true;
  });
  std::vector<Record> out;
  for (auto& [key, records] : first) {
    out.insert(out.end(), std::make_move_iterator(records.begin()), std::make_move_iterator(records.end()));
  }
  out.insert(out.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
  return out;
}

}  // namespace bangban
