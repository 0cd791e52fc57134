// The [oversight] section of hub.toml.
#include "oversight/oversight_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "crypto/error.h"
#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

class OversightConfigTest : public ::testing::Test {
 protected:
  OversightConfig Load(const std::string& text) {
    std::ofstream(file_) << "role = \"county\"\n" << text;
    return OversightConfig::Load(file_);
  }
  std::string ErrorOf(const std::string& text) {
    try {
      Load(text);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), "config");
      return e.what();
    }
    return "";
  }
  test_support::TempDir tmp_;
  std::filesystem::path file_ = tmp_.path() / "hub.toml";
};

TEST_F(OversightConfigTest, NoSectionGivesTheDefaults) {
  OversightConfig c = Load("");
  EXPECT_EQ(c.inactive_days, 30);
  EXPECT_EQ(c.second_reminder_month, 6);
  EXPECT_EQ(c.second_reminder_day, 1);
  EXPECT_EQ(c.assessment, "assessment.toml");
}

TEST_F(OversightConfigTest, EveryKeyIsRead) {
  OversightConfig c = Load("[oversight]\ninactive_days = 45\nsecond_reminder = \"05-20\"\nassessment = \"r.toml\"\n");
  EXPECT_EQ(c.inactive_days, 45);
  EXPECT_EQ(c.second_reminder_month, 5);
  EXPECT_EQ(c.second_reminder_day, 20);
  EXPECT_EQ(c.assessment, "r.toml");
}

TEST_F(OversightConfigTest, AWrongValueIsRefusedNamingTheKey) {
  EXPECT_NE(ErrorOf("[oversight]\ninactive_days = 0\n").find("oversight.inactive_days"), std::string::npos);
  EXPECT_NE(ErrorOf("[oversight]\ninactive_days = \"30\"\n").find("oversight.inactive_days"), std::string::npos);
  EXPECT_NE(ErrorOf("[oversight]\nsecond_reminder = \"07-01\"\n").find("oversight.second_reminder"), std::string::npos);
  EXPECT_NE(ErrorOf("[oversight]\nsecond_reminder = \"02-31\"\n").find("oversight.second_reminder"), std::string::npos);
  EXPECT_NE(ErrorOf("[oversight]\nsecond_reminder = \"6-1\"\n").find("oversight.second_reminder"), std::string::npos);
  EXPECT_NE(ErrorOf("[oversight]\nassessment = \"\"\n").find("oversight.assessment"), std::string::npos);
  EXPECT_NE(ErrorOf("oversight = 3\n").find("oversight"), std::string::npos);
}

}  // namespace
}  // namespace bangban
