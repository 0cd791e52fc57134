#include "storage/lmdb.h"

#include <sys/mman.h>

#include <cerrno>

#include <mutex>

namespace bangban {

namespace {
// Thrown inside Write when the map is full; never escapes it.
struct MapFull {};

MDB_val ToVal(ByteView bytes) { return MDB_val{bytes.size(), const_cast<uint8_t*>(bytes.data())}; }
}  // namespace

void ThrowLmdb(std::string_view operation, int rc) {
  std::string hint;
  // LMDB reports a full disk on commit as EIO or ENOSPC: say what an operator should look at.
  if (rc == EIO || rc == ENOSPC || rc == EDQUOT) {
    hint =
        "; the disk holding the store is probably full or failing: check free space (df -h) and the "
        "system log, then run the command again (nothing of this write was stored)";
  }
  // A map that cannot grow: the process may not reserve more address space.
  if (rc == ENOMEM) {
    hint =
        "; the store's memory map could not grow: the process's address-space limit (ulimit -v, systemd "
        "LimitAS=) is too low for the store; raise it and run the command again (nothing of this write was "
        "stored)";
  }
  throw Error(ErrorCode::kStorage, "LMDB " + std::string(operation) + " failed: " + mdb_strerror(rc) + hint);
}

LmdbEnv::LmdbEnv(const std::filesystem::path& dir, Options options) : map_bytes_(options.initial_map_bytes) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(ErrorCode::kStorage, "cannot create " + dir.string() + ": " + ec.message());
  int rc = mdb_env_create(&env_);
  if (rc != 0) ThrowLmdb("env_create", rc);
  mdb_env_set_maxdbs(env_, options.max_dbs);
  mdb_env_set_mapsize(env_, map_bytes_);
  // MDB_NOTLS: read transactions are not tied to threads (the hub uses worker pools).
  rc = mdb_env_open(env_, dir.c_str(), MDB_NOTLS, 0600);
  if (rc != 0) {
    mdb_env_close(env_);
    env_ = nullptr;
    throw Error(ErrorCode::kStorage, "cannot open the store in " + dir.string() + ": " + mdb_strerror(rc));
  }
  // Another process may have grown the map; adopt its size.
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  map_bytes_ = std::max(map_bytes_, info.me_mapsize);
}

LmdbEnv::~LmdbEnv() {
  if (env_ != nullptr) mdb_env_close(env_);
}

MDB_dbi LmdbEnv::OpenDb(const std::string& name) {
  MDB_dbi dbi = 0;
  Write([&](LmdbTxn& txn) {
    int rc = mdb_dbi_open(txn.raw(), name.c_str(), MDB_CREATE, &dbi);
    if (rc != 0) ThrowLmdb("dbi_open " + name, rc);
  });
  return dbi;
}

void LmdbEnv::Grow() {
  std::unique_lock lock(resize_mutex_);
  const size_t doubled = map_bytes_ * 2;
  // LMDB unmaps the old map before it maps the new one, and when that fails it is left with no
  // map at all. So first check that the address space for the new map can be reserved (next to
  // the old one: stricter than LMDB needs), and fail here with the store intact if not.
  void* probe = mmap(nullptr, doubled, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (probe == MAP_FAILED) ThrowLmdb("set_mapsize to " + std::to_string(doubled) + " bytes", errno);
  munmap(probe, doubled);
  const int rc = mdb_env_set_mapsize(env_, doubled);
  if (rc != 0) {
    map_lost_ = true;  // another thread took the space between the probe and the map
    ThrowLmdb("set_mapsize", rc);
  }
  map_bytes_ = doubled;
}

void LmdbEnv::RequireMap() const {
  if (map_lost_) {
    throw Error(ErrorCode::kStorage,
                "the store's memory map was lost when it could not grow; restart the process (everything "
                "committed is on disk)");
  }
}

void LmdbEnv::Write(const std::function<void(LmdbTxn&)>& work) {
  for (;;) {
    try {
      std::shared_lock lock(resize_mutex_);
      RequireMap();
      LmdbTxn txn(env_, false);
      work(txn);
      txn.Commit();
      return;
    } catch (const MapFull&) {
      Grow();
    }
  }
}

void LmdbEnv::Read(const std::function<void(LmdbTxn&)>& work) const {
  std::shared_lock lock(resize_mutex_);
  RequireMap();
  LmdbTxn txn(env_, true);
  work(txn);
}

LmdbTxn::LmdbTxn(MDB_env* env, bool read_only) {
  int rc = mdb_txn_begin(env, nullptr, read_only ? MDB_RDONLY : 0, &txn_);
  if (rc == MDB_MAP_RESIZED) {
    // Another process grew the map: adopt the new size and try once more.
    mdb_env_set_mapsize(env, 0);
    rc = mdb_txn_begin(env, nullptr, read_only ? MDB_RDONLY : 0, &txn_);
  }
  if (rc != 0) ThrowLmdb("txn_begin", rc);
}

LmdbTxn::~LmdbTxn() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
}

std::optional<ByteView> LmdbTxn::Get(MDB_dbi db, ByteView key) const {
  MDB_val k = ToVal(key), v;
  int rc = mdb_get(txn_, db, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  if (rc != 0) ThrowLmdb("get", rc);
  return ByteView(static_cast<const uint8_t*>(v.mv_data), v.mv_size);
}

void LmdbTxn::Put(MDB_dbi db, ByteView key, ByteView value) {
  MDB_val k = ToVal(key), v = ToVal(value);
  int rc = mdb_put(txn_, db, &k, &v, 0);
  if (rc == MDB_MAP_FULL) throw MapFull{};
  if (rc != 0) ThrowLmdb("put", rc);
}

bool LmdbTxn::PutIfAbsent(MDB_dbi db, ByteView key, ByteView value) {
  MDB_val k = ToVal(key), v = ToVal(value);
  int rc = mdb_put(txn_, db, &k, &v, MDB_NOOVERWRITE);
  if (rc == MDB_KEYEXIST) return false;
  if (rc == MDB_MAP_FULL) throw MapFull{};
  if (rc != 0) ThrowLmdb("put", rc);
  return true;
}

bool LmdbTxn::Del(MDB_dbi db, ByteView key) {
  MDB_val k = ToVal(key);
  int rc = mdb_del(txn_, db, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) ThrowLmdb("del", rc);
  return true;
}

void LmdbTxn::Commit() {
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;  // committed or not, the handle is gone
  if (rc == MDB_MAP_FULL) throw MapFull{};
  if (rc != 0) ThrowLmdb("commit", rc);
}

LmdbCursor::LmdbCursor(const LmdbTxn& txn, MDB_dbi db) {
  int rc = mdb_cursor_open(txn.raw(), db, &cursor_);
  if (rc != 0) ThrowLmdb("cursor_open", rc);
}

LmdbCursor::~LmdbCursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

bool LmdbCursor::Move(MDB_cursor_op op) {
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) ThrowLmdb("cursor_get", rc);
  return true;
}

bool LmdbCursor::First() { return Move(MDB_FIRST); }
bool LmdbCursor::Next() { return Move(MDB_NEXT); }
bool LmdbCursor::Seek(ByteView key) {
  key_ = ToVal(key);
  return Move(MDB_SET_RANGE);
}

}  // namespace bangban
