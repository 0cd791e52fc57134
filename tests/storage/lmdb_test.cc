// Tests of storage/lmdb.h: the RAII LMDB layer, its transactions, cursors, and map growth.
#include "storage/lmdb.h"

#include <gtest/gtest.h>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/coding.h"
#include "crypto/error.h"

#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

namespace fs = std::filesystem;

using test_support::TempDir;

Bytes B(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::optional<Bytes> GetCopy(const LmdbEnv& env, MDB_dbi db, std::string_view key) {
  std::optional<Bytes> out;
  env.Read([&](LmdbTxn& txn) {
    if (auto v = txn.Get(db, AsBytes(key))) out = Bytes(v->begin(), v->end());
  });
  return out;
}

// Deterministic, incompressible-looking content for value `i`.
Bytes ValueFor(uint64_t i, size_t size) {
  Bytes value(size);
  std::mt19937_64 random(i * 7919 + 17);
  for (size_t k = 0; k < size; k += 8) {
    uint64_t r = random();
    for (size_t j = 0; j < 8 && k + j < size; ++j) value[k + j] = static_cast<uint8_t>(r >> (8 * j));
  }
  return value;
}

Bytes KeyFor(uint64_t i) {
  Bytes key(8);
  EncodeBigEndian64(key.data(), i);
  return key;
}

class LmdbTest : public testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(LmdbTest, PutGetDel) {
  LmdbEnv env(dir_.path());
  MDB_dbi db = env.OpenDb("things");
  env.Write([&](LmdbTxn& txn) {
    txn.Put(db, AsBytes("alpha"), AsBytes("one"));
    txn.Put(db, AsBytes("beta"), AsBytes("two"));
    // Visible inside its own transaction before the commit.
    auto v = txn.Get(db, AsBytes("alpha"));
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(AsChars(*v), "one");
  });
  EXPECT_EQ(GetCopy(env, db, "alpha"), B("one"));
  EXPECT_EQ(GetCopy(env, db, "beta"), B("two"));
  EXPECT_EQ(GetCopy(env, db, "gamma"), std::nullopt);

  env.Write([&](LmdbTxn& txn) { txn.Put(db, AsBytes("alpha"), AsBytes("uno")); });  // overwrite
  EXPECT_EQ(GetCopy(env, db, "alpha"), B("uno"));

  bool deleted = false, deleted_again = true;
  env.Write([&](LmdbTxn& txn) {
    deleted = txn.Del(db, AsBytes("alpha"));
    deleted_again = txn.Del(db, AsBytes("alpha"));
  });
  EXPECT_TRUE(deleted);
  EXPECT_FALSE(deleted_again);
  EXPECT_EQ(GetCopy(env, db, "alpha"), std::nullopt);
  EXPECT_EQ(GetCopy(env, db, "beta"), B("two"));
}

TEST_F(LmdbTest, EmptyValueAndBinaryKeys) {
  LmdbEnv env(dir_.path());
  MDB_dbi db = env.OpenDb("things");
  Bytes key{0x00, 0xFF, 0x00};
  env.Write([&](LmdbTxn& txn) { txn.Put(db, key, Bytes{}); });
  env.Read([&](LmdbTxn& txn) {
    auto v = txn.Get(db, key);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->size(), 0u);
    EXPECT_FALSE(txn.Get(db, Bytes{0x00, 0xFF}).has_value());
  });
}

TEST_F(LmdbTest, NamedDatabasesAreSeparate) {
  LmdbEnv env(dir_.path());
  MDB_dbi a = env.OpenDb("a");
  MDB_dbi b = env.OpenDb("b");
  EXPECT_NE(a, b);
  env.Write([&](LmdbTxn& txn) {
    txn.Put(a, AsBytes("k"), AsBytes("in a"));
    txn.Put(b, AsBytes("k"), AsBytes("in b"));
  });
  EXPECT_EQ(GetCopy(env, a, "k"), B("in a"));
  EXPECT_EQ(GetCopy(env, b, "k"), B("in b"));
  // Opening the same name again gives the same database.
  EXPECT_EQ(GetCopy(env, env.OpenDb("a"), "k"), B("in a"));
}

TEST_F(LmdbTest, PutIfAbsent) {
  LmdbEnv env(dir_.path());
  MDB_dbi db = env.OpenDb("things");
  bool first = false, second = true;
  env.Write([&](LmdbTxn& txn) { first = txn.PutIfAbsent(db, AsBytes("k"), AsBytes("original")); });
  env.Write([&](LmdbTxn& txn) { second = txn.PutIfAbsent(db, AsBytes("k"), AsBytes("replacement")); });
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  EXPECT_EQ(GetCopy(env, db, "k"), B("original"));
  // Within one transaction too.
  bool a = false, b = true;
  env.Write([&](LmdbTxn& txn) {
    a = txn.PutIfAbsent(db, AsBytes("n"), AsBytes("1"));
    b = txn.PutIfAbsent(db, AsBytes("n"), AsBytes("2"));
  });
  EXPECT_TRUE(a);
  EXPECT_FALSE(b);
  EXPECT_EQ(GetCopy(env, db, "n"), B("1"));
}

TEST_F(LmdbTest, CursorSeekNextAndPrefix) {
  LmdbEnv env(dir_.path());
  MDB_dbi db = env.OpenDb("things");
  MDB_dbi empty = env.OpenDb("empty");
  env.Write([&](LmdbTxn& txn) {
    for (std::string_view k : {"b/1", "a/2", "c", "a/1", "a/3", "ab"}) txn.Put(db, AsBytes(k), AsBytes(k));
  });
  env.Read([&](LmdbTxn& txn) {
    // Whole database, in key order.
    std::vector<std::string> all;
    LmdbCursor cursor(txn, db);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) {
      all.emplace_back(AsChars(cursor.key()));
      EXPECT_EQ(AsChars(cursor.key()), AsChars(cursor.value()));
    }
    EXPECT_EQ(all, (std::vector<std::string>{"a/1", "a/2", "a/3", "ab", "b/1", "c"}));

    // A prefix range.
    std::vector<std::string> prefixed;
    LmdbCursor p(txn, db);
    for (bool ok = p.Seek(AsBytes("a/")); ok && HasPrefix(p.key(), AsBytes("a/")); ok = p.Next()) {
      prefixed.emplace_back(AsChars(p.key()));
    }
    EXPECT_EQ(prefixed, (std::vector<std::string>{"a/1", "a/2", "a/3"}));

    // Seek lands on the first key >= the one given.
    LmdbCursor s(txn, db);
    ASSERT_TRUE(s.Seek(AsBytes("a/2")));
    EXPECT_EQ(AsChars(s.key()), "a/2");
    ASSERT_TRUE(s.Seek(AsBytes("b")));
    EXPECT_EQ(AsChars(s.key()), "b/1");
    ASSERT_TRUE(s.Next());
    EXPECT_EQ(AsChars(s.key()), "c");
    EXPECT_FALSE(s.Next());
    EXPECT_FALSE(s.Seek(AsBytes("d")));

    LmdbCursor e(txn, empty);
    EXPECT_FALSE(e.First());
    EXPECT_FALSE(e.Seek(AsBytes("a")));
  });
  EXPECT_TRUE(HasPrefix(AsBytes("abc"), AsBytes("ab")));
  EXPECT_TRUE(HasPrefix(AsBytes("abc"), AsBytes("")));
  EXPECT_FALSE(HasPrefix(AsBytes("ab"), AsBytes("abc")));
  EXPECT_FALSE(HasPrefix(AsBytes("abc"), AsBytes("b")));
}

TEST_F(LmdbTest, ExceptionInsideWriteLeavesNothing) {
  LmdbEnv env(dir_.path());
  MDB_dbi db = env.OpenDb("things");
  env.Write([&](LmdbTxn& txn) { txn.Put(db, AsBytes("kept"), AsBytes("before")); });

  EXPECT_THROW(env.Write([&](LmdbTxn& txn) {
    txn.Put(db, AsBytes("new"), AsBytes("value"));
    txn.Put(db, AsBytes("kept"), AsBytes("changed"));
    txn.Del(db, AsBytes("kept"));
    throw std::runtime_error("changed my mind");
  }),
               std::runtime_error);
  EXPECT_THROW(env.Write([&](LmdbTxn& txn) {
    txn.Put(db, AsBytes("new"), AsBytes("value"));
    throw Error(ErrorCode::kInternal, "refused");
  }),
               Error);
  EXPECT_EQ(GetCopy(env, db, "new"), std::nullopt);
  EXPECT_EQ(GetCopy(env, db, "kept"), B("before"));

  // The environment is still usable afterwards.
  env.Write([&](LmdbTxn& txn) { txn.Put(db, AsBytes("after"), AsBytes("ok")); });
  EXPECT_EQ(GetCopy(env, db, "after"), B("ok"));
}

TEST_F(LmdbTest, CommittedDataSurvivesReopening) {
  {
    LmdbEnv env(dir_.path());
    MDB_dbi db = env.OpenDb("things");
    env.Write([&](LmdbTxn& txn) { txn.Put(db, AsBytes("k"), AsBytes("durable")); });
    EXPECT_THROW(env.Write([&](LmdbTxn& txn) {
      txn.Put(db, AsBytes("lost"), AsBytes("x"));
      throw std::runtime_error("abort");
    }),
                 std::runtime_error);
  }
  LmdbEnv env(dir_.path());
  MDB_dbi db = env.OpenDb("things");
  EXPECT_EQ(GetCopy(env, db, "k"), B("durable"));
  EXPECT_EQ(GetCopy(env, db, "lost"), std::nullopt);
}

TEST_F(LmdbTest, MapGrowsAcrossManyWrites) {
  constexpr size_t kInitial = size_t{1} << 20;
  constexpr size_t kValue = 64 * 1024;
  constexpr uint64_t kPerWrite = 16;  // 1 MiB per Write
  constexpr uint64_t kWrites = 20;    // 20 MiB in total
  constexpr uint64_t kTotal = kPerWrite * kWrites;
  {
    LmdbEnv env(dir_.path(), LmdbEnv::Options{.initial_map_bytes = kInitial});
    EXPECT_EQ(env.map_bytes(), kInitial);
    MDB_dbi db = env.OpenDb("big");
    int runs = 0;
    for (uint64_t w = 0; w < kWrites; ++w) {
      env.Write([&](LmdbTxn& txn) {
        ++runs;
        for (uint64_t i = w * kPerWrite; i < (w + 1) * kPerWrite; ++i) txn.Put(db, KeyFor(i), ValueFor(i, kValue));
      });
    }
    EXPECT_GT(runs, static_cast<int>(kWrites)) << "the map never filled, so growth was not exercised";
    EXPECT_GE(env.map_bytes(), kTotal * kValue);
    EXPECT_EQ(env.map_bytes() % kInitial, 0u);  // grown by doubling

    // Everything reads back.
    size_t mismatches = 0, count = 0;
    env.Read([&](LmdbTxn& txn) {
      for (uint64_t i = 0; i < kTotal; ++i) {
        auto v = txn.Get(db, KeyFor(i));
        if (!v || !std::ranges::equal(*v, ValueFor(i, kValue))) ++mismatches;
      }
      LmdbCursor cursor(txn, db);
      for (bool ok = cursor.First(); ok; ok = cursor.Next()) ++count;
    });
    EXPECT_EQ(mismatches, 0u);
    EXPECT_EQ(count, kTotal);
  }
  // Reopened with the small initial size, the environment adopts the grown map.
  LmdbEnv env(dir_.path(), LmdbEnv::Options{.initial_map_bytes = kInitial});
  EXPECT_GE(env.map_bytes(), kTotal * kValue);
  MDB_dbi db = env.OpenDb("big");
  size_t mismatches = 0;
  env.Read([&](LmdbTxn& txn) {
    for (uint64_t i = 0; i < kTotal; i += 7) {
      auto v = txn.Get(db, KeyFor(i));
      if (!v || !std::ranges::equal(*v, ValueFor(i, kValue))) ++mismatches;
    }
  });
  EXPECT_EQ(mismatches, 0u);
  // And keeps growing when written to.
  env.Write([&](LmdbTxn& txn) {
    for (uint64_t i = kTotal; i < kTotal + 64; ++i) txn.Put(db, KeyFor(i), ValueFor(i, kValue));
  });
  EXPECT_EQ(GetCopy(env, db, std::string(AsChars(KeyFor(kTotal + 63)))), ValueFor(kTotal + 63, kValue));
}

// The process's virtual memory size in bytes (VmSize of /proc/self/status).
size_t AddressSpaceInUse() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmSize:", 0) == 0) return std::stoull(line.substr(7)) * 1024;  // in kB
  }
  return 0;
}

// Map full (finding 4): a process whose address-space limit stops the map from growing gets a
// clean "storage" error naming the cause, loses nothing it committed, can still read, and the
// same store resumes in a process without the limit. The child writes until the error and
// reports through its exit status how many 1 MiB writes it committed.
TEST_F(LmdbTest, AMapThatCannotGrowFailsCleanlyAndTheStoreResumes) {
  constexpr size_t kValue = 64 * 1024;
  constexpr uint64_t kPerWrite = 16;  // 1 MiB per Write
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int status = 200;
    try {
      LmdbEnv env(dir_.path(), LmdbEnv::Options{.initial_map_bytes = size_t{4} << 20});
      MDB_dbi db = env.OpenDb("big");
      const rlim_t limit = AddressSpaceInUse() + (size_t{48} << 20);
      const rlimit as{limit, limit};
      if (setrlimit(RLIMIT_AS, &as) != 0) _exit(201);
      uint64_t committed = 0;
      for (; committed < 150; ++committed) {
        try {
          env.Write([&](LmdbTxn& txn) {
            for (uint64_t i = committed * kPerWrite; i < (committed + 1) * kPerWrite; ++i) {
              txn.Put(db, KeyFor(i), ValueFor(i, kValue));
            }
          });
        } catch (const Error& e) {
          const std::string what = e.what();
          if (e.code() != "storage" || what.find("address-space limit") == std::string::npos) _exit(202);
          break;
        }
      }
      if (committed == 0 || committed >= 150) _exit(203);  // never failed, or failed at once
      // Still readable after the failed growth.
      if (GetCopy(env, db, std::string(AsChars(KeyFor(0)))) != ValueFor(0, kValue)) _exit(204);
      status = static_cast<int>(committed);
    } catch (...) {
      status = 205;
    }
    _exit(status);
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status)) << "the child died of signal " << WTERMSIG(wait_status);
  const int committed = WEXITSTATUS(wait_status);
  // 200+: the child's own failure (see the _exit codes above).
  ASSERT_LT(committed, 150) << "child failed with code " << committed;
  ASSERT_GT(committed, 0);

  // A process without the limit: every committed write is there, the failed one left nothing,
  // and writing resumes.
  LmdbEnv env(dir_.path(), LmdbEnv::Options{.initial_map_bytes = size_t{4} << 20});
  MDB_dbi db = env.OpenDb("big");
  const uint64_t kept = static_cast<uint64_t>(committed) * kPerWrite;
  size_t mismatches = 0, count = 0;
  env.Read([&](LmdbTxn& txn) {
    for (uint64_t i = 0; i < kept; ++i) {
      auto v = txn.Get(db, KeyFor(i));
      if (!v || !std::ranges::equal(*v, ValueFor(i, kValue))) ++mismatches;
    }
    LmdbCursor cursor(txn, db);
    for (bool ok = cursor.First(); ok; ok = cursor.Next()) ++count;
  });
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(count, kept);
  env.Write([&](LmdbTxn& txn) {
    for (uint64_t i = kept; i < kept + 2 * kPerWrite; ++i) txn.Put(db, KeyFor(i), ValueFor(i, kValue));
  });
  EXPECT_EQ(GetCopy(env, db, std::string(AsChars(KeyFor(kept + 2 * kPerWrite - 1)))),
            ValueFor(kept + 2 * kPerWrite - 1, kValue));
}

TEST_F(LmdbTest, OneWriteLargerThanSeveralDoublings) {
  // 8 MiB in a single transaction on a 1 MiB map: the work is retried until it fits.
  LmdbEnv env(dir_.path(), LmdbEnv::Options{.initial_map_bytes = size_t{1} << 20});
  MDB_dbi db = env.OpenDb("big");
  int runs = 0;
  env.Write([&](LmdbTxn& txn) {
    ++runs;
    for (uint64_t i = 0; i < 128; ++i) txn.Put(db, KeyFor(i), ValueFor(i, 64 * 1024));
  });
  EXPECT_GT(runs, 1);
  EXPECT_GE(env.map_bytes(), size_t{8} << 20);
  size_t found = 0;
  env.Read([&](LmdbTxn& txn) {
    for (uint64_t i = 0; i < 128; ++i) {
      auto v = txn.Get(db, KeyFor(i));
      if (v && std::ranges::equal(*v, ValueFor(i, 64 * 1024))) ++found;
    }
  });
  EXPECT_EQ(found, 128u);
}

TEST_F(LmdbTest, OpeningAFileInsteadOfADirectoryFails) {
  fs::path file = dir_.path() / "not-a-dir";
  std::ofstream(file) << "hello";
  try {
    LmdbEnv env(file);
    ADD_FAILURE() << "opened an environment in a regular file";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "storage");
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

TEST_F(LmdbTest, FilesAreOwnerOnly) {
  { LmdbEnv env(dir_.path()); }
  ASSERT_TRUE(fs::exists(dir_.path() / "data.mdb"));
  auto perms = fs::status(dir_.path() / "data.mdb").permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
}

}  // namespace
}  // namespace bangban
