// The township lists of deploy/yuncheng and the county.townships record they become.
#include "oversight/townships.h"

#include <gtest/gtest.h>

#include "crypto/error.h"

namespace bangban {
namespace {

std::map<std::string, TownshipList> Yuncheng() {
  const std::string file = std::string(BANGBAN_SOURCE_DIR) + "/deploy/yuncheng/townships.csv";
  return TownshipList::ParseCsv(ReadTownshipFile(file), file);
}

std::string ErrorOf(const std::string& text) {
  try {
    TownshipList::ParseCsv(text, "t.csv");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "input");
    return e.what();
  }
  return "";
}

TEST(TownshipsTest, YunchengHasThirteenCountiesAnd147OrdinaryUnits) {
  auto lists = Yuncheng();
  EXPECT_EQ(lists.size(), 13u);
  size_t units = 0, counted = 0;
  for (const auto& [county, list] : lists) {
    EXPECT_EQ(list.county, county);
    units += list.units.size();
    counted += list.CountedUnits();
  }
  EXPECT_EQ(units, 161u);
  EXPECT_EQ(counted, 147u);
  const TownshipList& yanhu = lists.at("140802");
  EXPECT_EQ(yanhu.units.size(), 22u);
  EXPECT_EQ(yanhu.CountedUnits(), 21u);
  const Township* zone = yanhu.Resolve("140802404");
  ASSERT_NE(zone, nullptr);
  EXPECT_EQ(zone->name, "运城经济技术开发区");
  EXPECT_FALSE(zone->counted());
  EXPECT_EQ(lists.at("140821").CountedUnits(), 14u);
}

TEST(TownshipsTest, ANameResolvesToItsCodeAndAnUnknownOneToNothing) {
  const TownshipList yanhu = Yuncheng().at("140802");
  ASSERT_NE(yanhu.Resolve("解州镇"), nullptr);
  EXPECT_EQ(yanhu.Resolve("解州镇")->code, "140802100");
  EXPECT_EQ(yanhu.Resolve("140802100")->name, "解州镇");
  EXPECT_EQ(yanhu.Resolve("猗氏镇"), nullptr);  // 临猗县's, not 盐湖区's
  EXPECT_EQ(yanhu.Resolve("140821100"), nullptr);
  EXPECT_EQ(yanhu.Resolve(""), nullptr);
}

TEST(TownshipsTest, TheRecordBodyIsValidAndReadsBackTheSame) {
  const TownshipList yanhu = Yuncheng().at("140802");
  Json body = yanhu.ToRecordBody();
  ValidateBody("county.townships", body);
  EXPECT_EQ(body["townships"][0], "140802001,中城街道,subdistrict");
  TownshipList back = TownshipList::FromRecordBody(body);
  EXPECT_EQ(back.county, "140802");
  ASSERT_EQ(back.units.size(), yanhu.units.size());
  EXPECT_EQ(back.units.back().code, yanhu.units.back().code);
  EXPECT_EQ(back.ToRecordBody(), body);
}

TEST(TownshipsTest, BadLinesAreNamedAndNothingIsReturned) {
  const std::string header = "# source line\ncode,name,county_code,kind\n";
  EXPECT_NE(ErrorOf("code,name\n").find("header"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "14080200,短码,140802,town\n").find("line 3"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "140821100,猗氏镇,140802,town\n").find("not a 9-digit code of county 140802"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "140802100,解州镇,140802,village\n").find("kind 'village'"), std::string::npos);
  EXPECT_NE(ErrorOf(header + "140802100,解州镇,140802,town\n140802100,解州镇,140802,town\n").find("listed twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf(header + "140802100,解州镇,140802\n").find("4 fields"), std::string::npos);
  EXPECT_NE(ErrorOf("").find("no header"), std::string::npos);
}

TEST(TownshipsTest, TheRecordRefusesAForeignCodeAndAnEmptyList) {
  EXPECT_THROW(ValidateBody("county.townships", {{"county", "140802"}, {"townships", {"140821100,猗氏镇,town"}}}),
               Error);
  EXPECT_THROW(ValidateBody("county.townships", {{"county", "140802"}, {"townships", Json::array()}}), Error);
  EXPECT_THROW(ValidateBody("county.townships", {{"county", "1408"}, {"townships", {"140802100,解州镇,town"}}}), Error);
  EXPECT_NO_THROW(ValidateBody("county.townships", {{"county", "140802"}, {"townships", {"140802100,解州镇,town"}}}));
}

TEST(TownshipsTest, AFileThatIsNotRegularIsRefusedUnread) {
  EXPECT_THROW(ReadTownshipFile("/dev/zero"), Error);
  EXPECT_THROW(ReadTownshipFile(std::string(BANGBAN_SOURCE_DIR) + "/no-such-file.csv"), Error);
}

}  // namespace
}  // namespace bangban
