// The county admin's pages against a real hub: list the operators, add a reviewer, disable one
// — each through `bangban-hub user add|disable --by`, a signed record naming the admin — and
// the county's oversight figures; a reviewer is refused (403), passwords are not set here.
#include <gtest/gtest.h>

#include "crypto/coding.h"
#include "tests/web/web_hub.h"

namespace webtest {
namespace {

class WebAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(hub_.Start());
    WebHub::Ok(hub_.Hub({"user", "add", "--data", "H", "--name", "admin01", "--role", "county_admin"}));
    WebHub::Ok(hub_.Hub({"user", "passwd", "--data", "H", "--name", "admin01"}, std::string(kPassword) + "\n"));
    admin_ = hub_.Login("admin01", "correct+horse+battery");
    ASSERT_FALSE(admin_.empty());
    admin_csrf_ = hub_.Session(admin_)["csrf"];
  }

  Response Post(const std::string& target, const json& body, const std::string& cookie, const std::string& csrf) {
    std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}, {"Cookie", cookie}};
    if (!csrf.empty()) headers["X-CSRF-Token"] = csrf;
    return Request(hub_.port(), "POST", target, body.dump(), headers);
  }
  json Operators() {
    Response r = Get(hub_.port(), "/api/operators", {{"Cookie", admin_}});
    EXPECT_EQ(r.status, 200) << r.body;
    json by_name = json::object();
    const json doc = json::parse(r.body);
    for (const json& op : doc["operators"]) by_name[op["name"].get<std::string>()] = op;
    return by_name;
  }
  static std::string Code(const Response& r) { return json::parse(r.body)["error"]["code"]; }

  WebHub hub_;
  std::string admin_, admin_csrf_;
};

TEST_F(WebAdminTest, ACountyAdminAddsAndDisablesReviewersWithSignedRecordsNamingThem) {
  json ops = Operators();
  EXPECT_EQ(ops["r01"]["role"], "reviewer");
  EXPECT_EQ(ops["admin01"]["role"], "county_admin");
  EXPECT_TRUE(ops["r02"]["active"].get<bool>());
  Response listed = Get(hub_.port(), "/api/operators", {{"Cookie", admin_}});
  EXPECT_NE(json::parse(listed.body)["passwords"].get<std::string>().find("user passwd"), std::string::npos);

  // Bad requests change nothing.
  EXPECT_EQ(Post("/api/operators/add", {{"name", "r03"}}, admin_, "").status, 403);
  EXPECT_EQ(Post("/api/operators/add", json::object(), admin_, admin_csrf_).status, 400);
  EXPECT_EQ(Post("/api/operators/add", {{"name", "r 03"}}, admin_, admin_csrf_).status, 400);
  EXPECT_EQ(Post("/api/operators/add", {{"name", "r03"}, {"role", "county_admin"}}, admin_, admin_csrf_).status, 400);
  EXPECT_EQ(Post("/api/operators/add", {{"name", std::string(65, 'r')}}, admin_, admin_csrf_).status, 400);
  Response exists = Post("/api/operators/add", {{"name", "r01"}}, admin_, admin_csrf_);
  EXPECT_EQ(exists.status, 409) << exists.body;
  EXPECT_EQ(Code(exists), "operator_exists");
  EXPECT_EQ(Post("/api/operators/disable", {{"name", "r02"}}, admin_, admin_csrf_).status, 400);  // no reason
  EXPECT_EQ(Post("/api/operators/disable", {{"name", "nobody"}, {"reason", "x"}}, admin_, admin_csrf_).status, 404);
  EXPECT_EQ(Post("/api/operators/disable", {{"name", "admin01"}, {"reason", "x"}}, admin_, admin_csrf_).status, 400);
  EXPECT_EQ(hub_.RecordsOfType("operator.enroll").size(), 3u);
  EXPECT_EQ(hub_.RecordsOfType("operator.disable").size(), 0u);

  // Add r03, disable r02: two signed records of the hub, each naming the admin.
  Response added = Post("/api/operators/add", {{"name", "r03"}, {"role", "reviewer"}}, admin_, admin_csrf_);
  ASSERT_EQ(added.status, 200) << added.body;
  EXPECT_EQ(json::parse(added.body)["state"], "active");
  Response disabled = Post("/api/operators/disable", {{"name", "r02"}, {"reason", "调岗"}}, admin_, admin_csrf_);
  ASSERT_EQ(disabled.status, 200) << disabled.body;

  std::vector<bangban::Record> enrolls = hub_.RecordsOfType("operator.enroll");
  ASSERT_EQ(enrolls.size(), 4u);
  const bangban::Record& enroll = enrolls.back();
  EXPECT_EQ(bangban::ToHex(enroll.id()), json::parse(added.body)["id"]);
  EXPECT_EQ(bangban::ToHex(enroll.author()), hub_.hub_key());
  EXPECT_EQ(enroll.body()["name"], "r03");
  EXPECT_EQ(enroll.body()["role"], "reviewer");
  EXPECT_EQ(enroll.body()["by"], "admin01");
  std::vector<bangban::Record> disables = hub_.RecordsOfType("operator.disable");
  ASSERT_EQ(disables.size(), 1u);
  EXPECT_EQ(bangban::ToHex(disables[0].id()), json::parse(disabled.body)["id"]);
  EXPECT_EQ(disables[0].body()["name"], "r02");
  EXPECT_EQ(disables[0].body()["reason"], "调岗");
  EXPECT_EQ(disables[0].body()["by"], "admin01");

  // The command line sees the same roster.
  cli::Result list = hub_.Hub({"user", "list", "--data", "H", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.Describe();
  const json roster = json::parse(list.out);
  for (const json& op : roster["operators"]) {
    if (op["name"] == "r03") EXPECT_TRUE(op["active"].get<bool>());
    if (op["name"] == "r02") EXPECT_FALSE(op["active"].get<bool>());
  }
  ops = Operators();
  EXPECT_FALSE(ops["r02"]["active"].get<bool>());
  EXPECT_TRUE(ops["r03"]["active"].get<bool>());
  // r03 has no password until one is set at the hub: it cannot sign in yet.
  EXPECT_EQ(hub_.Login("r03", kPassword), "");

  // The county's oversight figures are the admin's to read.
  Response dashboard = Get(hub_.port(), "/api/dashboard", {{"Cookie", admin_}});
  ASSERT_EQ(dashboard.status, 200);
  EXPECT_EQ(json::parse(dashboard.body)["counties"][0]["county"], "140802");
  EXPECT_EQ(Get(hub_.port(), "/admin", {{"Cookie", admin_}}).status, 200);
}

TEST_F(WebAdminTest, AReviewerMayNotManageOperators) {
  const std::string reviewer = hub_.Login("r01", "correct+horse+battery");
  ASSERT_FALSE(reviewer.empty());
  const std::string csrf = hub_.Session(reviewer)["csrf"];
  Response list = Get(hub_.port(), "/api/operators", {{"Cookie", reviewer}});
  EXPECT_EQ(list.status, 403);
  EXPECT_EQ(Code(list), "forbidden");
  EXPECT_NE(list.body.find("only a county_admin"), std::string::npos) << list.body;
  EXPECT_EQ(Post("/api/operators/add", {{"name", "r09"}}, reviewer, csrf).status, 403);
  EXPECT_EQ(Post("/api/operators/disable", {{"name", "r02"}, {"reason", "x"}}, reviewer, csrf).status, 403);
  EXPECT_EQ(Get(hub_.port(), "/api/operators").status, 401);
  EXPECT_EQ(hub_.RecordsOfType("operator.enroll").size(), 3u);
  EXPECT_EQ(hub_.RecordsOfType("operator.disable").size(), 0u);
  // The command line's --by takes only an active county_admin.
  cli::Result by_reviewer =
      hub_.Hub({"user", "add", "--data", "H", "--name", "r09", "--role", "reviewer", "--by", "r01"});
  EXPECT_EQ(by_reviewer.exit_code, 1) << by_reviewer.Describe();
  EXPECT_NE(by_reviewer.err.find("not_operator"), std::string::npos) << by_reviewer.Describe();
}

}  // namespace
}  // namespace webtest
