// "Show applicant" in the browser's API (docs/api.md, docs/personal-data.md), against a real hub:
// a reviewer of the county states a purpose, the hub appends the signed pii.access record naming
// them through the very code of `bangban-hub applicant`, and the clear ID number and name come
// back in that one response only (Cache-Control: no-store) — no other page, API answer, event,
// log line or /metrics scrape carries them. Everyone else is refused with a clear 403 or 400.
#include <gtest/gtest.h>

#include "crypto/coding.h"
#include "tests/web/web_hub.h"

namespace webtest {
namespace {

class WebApplicantTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(hub_.Start());
    cookie_ = hub_.Login("r01", "correct+horse+battery");
    ASSERT_FALSE(cookie_.empty());
    csrf_ = hub_.Session(cookie_)["csrf"];
  }

  Response Open(const json& body, const std::string& cookie, const std::string& csrf,
                const std::string& app_id = "A-1") {
    std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}, {"Cookie", cookie}};
    if (!csrf.empty()) headers["X-CSRF-Token"] = csrf;
    return Request(hub_.port(), "POST", "/api/cases/" + app_id + "/applicant", body.dump(), headers);
  }

  static std::string Code(const Response& r) {
    json doc = json::parse(r.body, nullptr, false);
    return doc.is_object() && doc.contains("error") ? doc["error"].value("code", "") : "";
  }

  WebHub hub_;
  std::string cookie_, csrf_;
};

TEST_F(WebApplicantTest, AReviewerSeesWhoAppliedOnceAndTheOpeningIsASignedRecordNamingThem) {
  // A page listening live, as the queue does: whatever it hears is checked at the end.
  EventStream events(hub_.port(), "/api/events", {{"Cookie", cookie_}});
  ASSERT_TRUE(events.WaitFor("retry: 3000\n\n")) << events.received();

  // Refusals first, each writing nothing.
  Response no_csrf = Open({{"purpose", "核验申请人身份"}}, cookie_, "");
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  EXPECT_EQ(Code(no_csrf), "bad_csrf");
  for (const json& body : {json::object(), json{{"purpose", ""}}, json{{"purpose", "  "}},
                           json{{"purpose", std::string(513, 'x')}}, json{{"purpose", 7}}}) {
    Response r = Open(body, cookie_, csrf_);
    EXPECT_EQ(r.status, 400) << body.dump() << " " << r.body;
    EXPECT_EQ(Code(r), "usage") << r.body;
  }
  EXPECT_EQ(Open({{"purpose", "核验"}}, cookie_, csrf_, "Z-9").status, 404);
  EXPECT_EQ(hub_.RecordsOfType("pii.access").size(), 0u);

  // The opening.
  Response opened = Open({{"purpose", "核验申请人身份"}, {"outlet_id", "YH-001"}}, cookie_, csrf_);
  ASSERT_EQ(opened.status, 200) << opened.body;
  EXPECT_EQ(opened.Header("cache-control"), "no-store");
  const json doc = json::parse(opened.body);
  EXPECT_EQ(doc["id_number"], kIdNumber);
  EXPECT_EQ(doc["name"], kApplicantName);
  EXPECT_EQ(doc["reviewer"], "r01");
  EXPECT_EQ(doc["outlet_id"], "YH-001");

  // The signed trace, written first: who, which application, why; no personal data.
  std::vector<bangban::Record> trace = hub_.RecordsOfType("pii.access");
  ASSERT_EQ(trace.size(), 1u);
  EXPECT_EQ(bangban::ToHex(trace[0].id()), doc["access_id"]);
  EXPECT_EQ(bangban::ToHex(trace[0].author()), hub_.hub_key());
  EXPECT_EQ(trace[0].body()["reviewer"], "r01");
  EXPECT_EQ(trace[0].body()["app_id"], "A-1");
  EXPECT_EQ(trace[0].body()["purpose"], "核验申请人身份");
  EXPECT_EQ(trace[0].body().dump().find(kIdNumber), std::string::npos);
  EXPECT_EQ(trace[0].body().dump().find(kApplicantName), std::string::npos);

  // Every other answer, page and stream, byte for byte, after the opening.
  ASSERT_TRUE(events.WaitFor("event: records")) << events.received();
  std::string everything = events.received();
  for (const char* target : {"/api/queue", "/api/cases/A-1", "/api/cases/A-1?outlet=YH-001", "/api/dashboard",
                             "/api/sla", "/api/session", "/queue", "/cases/A-1", "/dashboard", "/metrics", "/healthz",
                             "/public/outlets", "/public/api/outlets", "/assets/case.js", "/assets/app.js"}) {
    Response r = Get(hub_.port(), target, {{"Cookie", cookie_}});
    EXPECT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.body.find(kIdNumber), std::string::npos) << target;
    EXPECT_EQ(r.body.find(kApplicantName), std::string::npos) << target;
    everything += r.body;
  }
  EXPECT_EQ(everything.find(kIdNumber), std::string::npos);
  EXPECT_EQ(everything.find(kApplicantName), std::string::npos);
  // The hub's log names the opening and its record, never the values.
  const std::string log = hub_.daemon().Log();
  EXPECT_NE(log.find("r01 opened the applicant of A-1"), std::string::npos) << log;
  EXPECT_EQ(log.find(kIdNumber), std::string::npos) << log;
  EXPECT_EQ(log.find(kApplicantName), std::string::npos) << log;
}

TEST_F(WebApplicantTest, ACountyAdminMayNotOpen) {
  // A county admin of this hub: may act on the queue, may not see who applied.
  WebHub::Ok(hub_.Hub({"user", "add", "--data", "H", "--name", "admin01", "--role", "county_admin"}));
  WebHub::Ok(hub_.Hub({"user", "passwd", "--data", "H", "--name", "admin01"}, std::string(kPassword) + "\n"));
  const std::string admin = hub_.Login("admin01", "correct+horse+battery");
  ASSERT_FALSE(admin.empty());
  Response by_admin = Open({{"purpose", "核验"}}, admin, hub_.Session(admin)["csrf"]);
  EXPECT_EQ(by_admin.status, 403) << by_admin.body;
  EXPECT_NE(by_admin.body.find("only a reviewer of this county"), std::string::npos) << by_admin.body;

  EXPECT_EQ(hub_.RecordsOfType("pii.access").size(), 0u);
}

// At the city hub the city auditor reads the access log, never the data.
TEST(WebCityApplicantTest, ACityAuditorIsRefusedWithAClearMessage) {
  WebHub city;
  ASSERT_NO_FATAL_FAILURE(city.StartCity());
  const std::string cookie = city.Login("a01", "correct+horse+battery");
  ASSERT_FALSE(cookie.empty());
  Response r = Request(city.port(), "POST", "/api/cases/A-1/applicant", json({{"purpose", "检查"}}).dump(),
                       {{"Cookie", cookie},
                        {"Content-Type", "application/json"},
                        {"X-CSRF-Token", city.Session(cookie)["csrf"].get<std::string>()}});
  EXPECT_EQ(r.status, 403) << r.body;
  const json doc = json::parse(r.body);
  EXPECT_EQ(doc["error"]["code"], "forbidden");
  EXPECT_NE(doc["error"]["message"].get<std::string>().find("a city auditor may not see who applied"),
            std::string::npos);
}

}  // namespace
}  // namespace webtest
