// Key files (crypto/key_file.h) and the identity key file built on them: 0600 from creation,
// never replaced, never left half-written, read with a bound, and refused when others can read
// them, when they are links, too long, or not key files. Each refusal has its own code.
#include "crypto/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <functional>

#include "crypto/error.h"
#include "crypto/identity.h"
#include "tests/support/error_code_of.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

using test_support::ErrorCodeOf;

void WriteFile(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), mode);
}

mode_t ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mode & 0777;
}

TEST(KeyFileTest, CreatedWithMode0600AndReadBackWhole) {
  test_support::TempDir dir;
  const auto path = dir.path() / "a.key";
  const Bytes key = {1, 2, 3, 4, 5};
  CreateKeyFile(path, "test key file", key);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".partial"));
  std::array<uint8_t, 8> out{};
  ASSERT_EQ(ReadKeyFile(path, "test key file", out), key.size());
  EXPECT_TRUE(std::equal(key.begin(), key.end(), out.begin()));
}

TEST(KeyFileTest, AnExistingFileIsNeverReplaced) {
  test_support::TempDir dir;
  const auto path = dir.path() / "a.key";
  CreateKeyFile(path, "test key file", Bytes{7});
  EXPECT_EQ(ErrorCodeOf([&] { CreateKeyFile(path, "test key file", Bytes{8}); }), "key_file_write");
  std::array<uint8_t, 4> out{};
  ASSERT_EQ(ReadKeyFile(path, "test key file", out), 1u);
  EXPECT_EQ(out[0], 7);
}

TEST(KeyFileTest, ALeftoverOfACrashWhileWritingIsNotTheKey) {
  test_support::TempDir dir;
  const auto path = dir.path() / "a.key";
  WriteFile(path.string() + ".partial", "half", 0600);
  CreateKeyFile(path, "test key file", Bytes{9, 9});
  std::array<uint8_t, 4> out{};
  EXPECT_EQ(ReadKeyFile(path, "test key file", out), 2u);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".partial"));
}

TEST(KeyFileTest, EachRefusalHasItsCode) {
  test_support::TempDir dir;
  std::array<uint8_t, 32> out{};
  auto read = [&](const std::filesystem::path& path) { return ErrorCodeOf([&] { ReadKeyFile(path, "k", out); }); };
  EXPECT_EQ(read(dir.path() / "none.key"), "key_file_missing");

  WriteFile(dir.path() / "open.key", "0123", 0644);
  EXPECT_EQ(read(dir.path() / "open.key"), "key_file_mode");

  WriteFile(dir.path() / "real.key", "0123", 0600);
  std::filesystem::create_symlink(dir.path() / "real.key", dir.path() / "link.key");
  EXPECT_EQ(read(dir.path() / "link.key"), "key_file_format");

  std::filesystem::create_directory(dir.path() / "folder.key");
  ::chmod((dir.path() / "folder.key").c_str(), 0700);
  EXPECT_EQ(read(dir.path() / "folder.key"), "key_file_format");

  // One byte more than the buffer: refused, and the buffer is wiped rather than half-filled.
  WriteFile(dir.path() / "long.key", std::string(33, 'k'), 0600);
  EXPECT_EQ(read(dir.path() / "long.key"), "key_file_format");
  EXPECT_EQ(out[0], 0);

  if (::geteuid() != 0) {  // root reads a file whatever its mode says
    WriteFile(dir.path() / "locked.key", "0123", 0000);
    EXPECT_EQ(read(dir.path() / "locked.key"), "key_file_unreadable");
  }
}

TEST(KeyFileTest, AHugeFileIsRefusedWithoutBeingRead) {
  test_support::TempDir dir;
  const auto path = dir.path() / "huge.key";
  WriteFile(path, "", 0600);
  std::filesystem::resize_file(path, 4ull << 30);  // sparse: 4 GiB that would not fit a buffer
  std::array<uint8_t, 32> out{};
  EXPECT_EQ(ErrorCodeOf([&] { ReadKeyFile(path, "k", out); }), "key_file_format");
}

TEST(KeyFileTest, ShreddingRemovesTheFileAndIsQuietWhenThereIsNone) {
  test_support::TempDir dir;
  const auto path = dir.path() / "a.key";
  CreateKeyFile(path, "test key file", Bytes(32, 0xAB));
  ShredKeyFile(path, "test key file");
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_NO_THROW(ShredKeyFile(path, "test key file"));
}

TEST(IdentityKeyFileTest, RoundTripsAndRefusesWhatIsNotAnIdentity) {
  test_support::TempDir dir;
  const auto path = dir.path() / "identity.key";
  SigningKey key = SigningKey::Generate();
  key.Save(path);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(SigningKey::Load(path).public_key(), key.public_key());
  EXPECT_EQ(ErrorCodeOf([&] { SigningKey::Generate().Save(path); }), "key_file_write");
  EXPECT_EQ(SigningKey::Load(path).public_key(), key.public_key());

  WriteFile(dir.path() / "other.key", "not a key\n", 0600);
  EXPECT_EQ(ErrorCodeOf([&] { SigningKey::Load(dir.path() / "other.key"); }), "key_file_format");
  WriteFile(dir.path() / "short.key", "bangban-identity-key v1\nabcd\n", 0600);
  EXPECT_EQ(ErrorCodeOf([&] { SigningKey::Load(dir.path() / "short.key"); }), "key_file_format");
  // An endless first line (once read whole by getline) is refused after 512 bytes.
  WriteFile(dir.path() / "endless.key", std::string(1 << 20, 'x'), 0600);
  EXPECT_EQ(ErrorCodeOf([&] { SigningKey::Load(dir.path() / "endless.key"); }), "key_file_format");
  WriteFile(dir.path() / "open.key", "bangban-identity-key v1\n", 0640);
  EXPECT_EQ(ErrorCodeOf([&] { SigningKey::Load(dir.path() / "open.key"); }), "key_file_mode");
}

}  // namespace
}  // namespace bangban
