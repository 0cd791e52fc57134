#include "protocol/config_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <string>

#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

using test_support::TempDir;

std::string CodeOf(const std::function<void()>& read) {
  try {
    read();
  } catch (const Error& e) {
    return e.code() + std::string(": ") + e.what();
  }
  return "no error";
}

TEST(ConfigFileTest, ARegularFileIsReadAndParsed) {
  TempDir dir;
  std::ofstream(dir.path() / "a.toml") << "role = \"county\"\n";
  EXPECT_EQ(ParseTomlFile(dir.path() / "a.toml")["role"].value_or(std::string()), "county");
}

TEST(ConfigFileTest, AFifoADirectoryAndAnOversizedFileAreRefusedUnread) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir.path() / "fifo.toml").c_str(), 0600), 0);  // reading it would hang
  EXPECT_NE(CodeOf([&] { ParseTomlFile(dir.path() / "fifo.toml"); }).find("config: "), std::string::npos);
  EXPECT_NE(CodeOf([&] { ParseTomlFile(dir.path()); }).find("must be a regular file"), std::string::npos);
  std::ofstream(dir.path() / "big.toml") << std::string(kMaxConfigFileBytes + 1, '#');
  EXPECT_NE(CodeOf([&] { ParseTomlFile(dir.path() / "big.toml"); }).find("is larger than"), std::string::npos);
  EXPECT_NE(CodeOf([&] {
              ReadConfigText(dir.path() / "none.toml", ErrorCode::kCalendar, "the calendar file");
            }).find("calendar: "),
            std::string::npos);
}

TEST(ConfigFileTest, ASyntaxErrorNamesTheFile) {
  TempDir dir;
  std::ofstream(dir.path() / "bad.toml") << "role = \n";
  EXPECT_NE(CodeOf([&] { ParseTomlFile(dir.path() / "bad.toml"); }).find("bad.toml: "), std::string::npos);
}

}  // namespace
}  // namespace bangban
