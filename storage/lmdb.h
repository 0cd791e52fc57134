// A thin RAII layer over LMDB. Every handle closes itself; a write transaction that is not
// committed is aborted; a full map grows and the work is retried, so a write never fails
// because the file reached its current size. Commits are durable (no MDB_NOSYNC): a commit that
// returned survives kill -9 and power loss.
#pragma once

#include <lmdb.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/error.h"

namespace bangban {

class LmdbTxn;

// Error(ErrorCode::kStorage, ...) naming the operation and LMDB's reason.
[[noreturn]] void ThrowLmdb(std::string_view operation, int rc);

class LmdbEnv {
 public:
  struct Options {
    size_t initial_map_bytes = size_t{1} << 30;  // address space only; the file grows as used
    unsigned max_dbs = 32;
  };

  // Opens (creating if needed) the environment in directory `dir`, files mode 0600.
  LmdbEnv(const std::filesystem::path& dir, Options options);
  explicit LmdbEnv(const std::filesystem::path& dir) : LmdbEnv(dir, Options{}) {}
  ~LmdbEnv();
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;

  // Opens or creates a named database.
  MDB_dbi OpenDb(const std::string& name);

  // Runs `work` in one write transaction and commits it. If the map is full, the transaction is
  // aborted, the map doubled and `work` run again from the start, so `work` must have no side
  // effects outside the transaction before it returns. If the map cannot grow (the process may
  // not reserve more address space), Error "storage" says so, nothing of `work` is stored and
  // the store stays readable and writable up to its current size.
  void Write(const std::function<void(LmdbTxn&)>& work);
  // Runs `work` in a read-only snapshot.
  void Read(const std::function<void(LmdbTxn&)>& work) const;

  size_t map_bytes() const { return map_bytes_; }
  MDB_env* raw() const { return env_; }

 private:
  void Grow();
  void RequireMap() const;  // Error "storage" once the map is lost (see Grow)

  MDB_env* env_ = nullptr;
  size_t map_bytes_ = 0;
  bool map_lost_ = false;  // LMDB failed to remap after the probe passed; written under the unique lock
  // Resizing the map needs every transaction of this process closed.
  mutable std::shared_mutex resize_mutex_;
};

class LmdbTxn {
 public:
  LmdbTxn(MDB_env* env, bool read_only);
  ~LmdbTxn();
  LmdbTxn(const LmdbTxn&) = delete;
  LmdbTxn& operator=(const LmdbTxn&) = delete;

  std::optional<ByteView> Get(MDB_dbi db, ByteView key) const;
  void Put(MDB_dbi db, ByteView key, ByteView value);
  // False when the key was already there (value untouched).
  bool PutIfAbsent(MDB_dbi db, ByteView key, ByteView value);
  // False when the key was absent.
  bool Del(MDB_dbi db, ByteView key);
  void Commit();

  MDB_txn* raw() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
};

// Forward iteration over a database, from a key or the start.
class LmdbCursor {
 public:
  LmdbCursor(const LmdbTxn& txn, MDB_dbi db);
  ~LmdbCursor();
  LmdbCursor(const LmdbCursor&) = delete;
  LmdbCursor& operator=(const LmdbCursor&) = delete;

  bool First();
  // Positions at the first key >= `key`.
  bool Seek(ByteView key);
  bool Next();
  ByteView key() const { return {static_cast<const uint8_t*>(key_.mv_data), key_.mv_size}; }
  ByteView value() const { return {static_cast<const uint8_t*>(value_.mv_data), value_.mv_size}; }

 private:
  bool Move(MDB_cursor_op op);
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{};
  MDB_val value_{};
};

// Does `key` start with `prefix`?
inline bool HasPrefix(ByteView key, ByteView prefix) {
  return key.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), key.begin());
}

}  // namespace bangban
