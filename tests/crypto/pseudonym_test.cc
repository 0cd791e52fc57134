// Keyed pseudonyms (crypto/pseudonym.h): stable for one key, different under another, the same
// for an ID number written with x or X; the key file is exactly 32 bytes with mode 0600, written
// atomically, never overwritten, and refused when it is readable by others or of another size.
#include "crypto/pseudonym.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "crypto/error.h"
#include "tests/support/error_code_of.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

using test_support::ErrorCodeOf;

TEST(PseudonymTest, StablePerKeyAndNormalisesTheCheckCharacter) {
  PseudonymKey key = PseudonymKey::Generate();
  PseudonymKey other = PseudonymKey::Generate();
  EXPECT_EQ(key.PseudonymOfIdNumber("11010519491231002X"), key.PseudonymOfIdNumber("11010519491231002X"));
  EXPECT_EQ(key.PseudonymOfIdNumber("11010519491231002x"), key.PseudonymOfIdNumber("11010519491231002X"));
  EXPECT_NE(key.PseudonymOfIdNumber("110105194912310021"), key.PseudonymOfIdNumber("11010519491231002X"));
  EXPECT_NE(other.PseudonymOfIdNumber("11010519491231002X"), key.PseudonymOfIdNumber("11010519491231002X"));
}

TEST(PseudonymTest, KeyFileRoundTripsWithMode0600AndIsNeverOverwritten) {
  test_support::TempDir dir;
  const auto path = dir.path() / "pseudonym.key";
  PseudonymKey key = PseudonymKey::Generate();
  key.Save(path);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  EXPECT_FALSE(std::filesystem::exists(path.string() + ".partial"));
  PseudonymKey loaded = PseudonymKey::Load(path);
  EXPECT_EQ(loaded.PseudonymOfIdNumber("11010519491231002X"), key.PseudonymOfIdNumber("11010519491231002X"));

  EXPECT_EQ(ErrorCodeOf([&] { PseudonymKey::Generate().Save(path); }), "key_file_write");
  EXPECT_EQ(PseudonymKey::Load(path).PseudonymOfIdNumber("1"), key.PseudonymOfIdNumber("1")) << "overwritten";
}

TEST(PseudonymTest, KeyFileOfAnotherSizeModeOrAbsentIsRefused) {
  test_support::TempDir dir;
  const auto path = dir.path() / "pseudonym.key";
  EXPECT_EQ(ErrorCodeOf([&] { PseudonymKey::Load(path); }), "key_file_missing");
  for (size_t size : {0, 31, 33, 4096}) {
    std::filesystem::remove(path);
    { std::ofstream(path) << std::string(size, 'k'); }
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(ErrorCodeOf([&] { PseudonymKey::Load(path); }), "key_file_format") << size << " bytes";
  }
  std::filesystem::remove(path);
  PseudonymKey::Generate().Save(path);
  std::filesystem::permissions(path, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  EXPECT_EQ(ErrorCodeOf([&] { PseudonymKey::Load(path); }), "key_file_mode");
}

}  // namespace
}  // namespace bangban
