// The web server of a real `bangban-hub run --http` with real records (tests/web/web_hub.h),
// through a real HTTP client: health, metrics, the JSON API, and the security rules of
// docs/api.md (sessions, roles, CSRF, sign-in back-off, no personal data in public answers).
#include <gtest/gtest.h>

#include "crypto/bytes.h"
#include "tests/web/web_hub.h"

namespace webtest {
namespace {

class WebApiTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(hub_.Start()); }

  Response Post(const std::string& target, const json& body, const std::string& cookie, const std::string& csrf) {
    std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}, {"Cookie", cookie}};
    if (!csrf.empty()) headers["X-CSRF-Token"] = csrf;
    return Request(hub_.port(), "POST", target, body.dump(), headers);
  }
  json Queue(const std::string& cookie) {
    return json::parse(Get(hub_.port(), "/api/queue", {{"Cookie", cookie}}).body);
  }
  static const json* Find(const json& queue, const std::string& app_id) {
    for (const char* list : {"open", "paused"}) {
      for (const json& e : queue[list]) {
        if (e["app_id"] == app_id) return &e;
      }
    }
    return nullptr;
  }

  WebHub hub_;
};

TEST_F(WebApiTest, HealthAndMetricsShowTheHubsFigures) {
  Response health = Get(hub_.port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  // Three applications received and waiting; the hub's feed (its sealing key of init, the
  // outlet's enrollment, two operators, and the applicant link the daemon writes for each
  // application within a second of its start) and the outlet's (three applications and its
  // profile).
  Response metrics;
  const bool linked = city::WaitFor([&] {
    metrics = Get(hub_.port(), "/metrics");
    return metrics.body.find("bangban_records_stored 11\n") != std::string::npos;
  });
  EXPECT_TRUE(linked) << metrics.body;
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.Header("content-type").find("text/plain; version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.body.find("bangban_queue_length{list=\"open\"} 3\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("bangban_feeds 2\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("# TYPE bangban_open_cases gauge"), std::string::npos);
  EXPECT_NE(metrics.body.find("bangban_records_out_total 0\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("bangban_http_requests_total{status=\"200\"}"), std::string::npos) << metrics.body;
}

TEST_F(WebApiTest, WithoutASessionEverythingButThePublicPartsIsRefused) {
  for (const char* target :
       {"/api/queue", "/api/session", "/api/cases/A-1", "/api/sla", "/api/dashboard", "/api/events"}) {
    Response r = Get(hub_.port(), target);
    EXPECT_EQ(r.status, 401) << target;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "not_logged_in") << target;
  }
  EXPECT_EQ(Post("/api/cases/A-1/accept", json::object(), "", "").status, 401);
  EXPECT_EQ(Post("/api/cases/A-1/accept", json::object(), "bb_session=forged", "x").status, 401);
  for (const char* page : {"/queue", "/dashboard", "/cases/A-1", "/"}) {
    Response r = Get(hub_.port(), page);
    EXPECT_EQ(r.status, 303) << page;
    EXPECT_EQ(r.Header("location"), "/login") << page;
  }
  EXPECT_EQ(Get(hub_.port(), "/login").status, 200);
  EXPECT_EQ(Get(hub_.port(), "/public/outlets").status, 200);
  EXPECT_EQ(Get(hub_.port(), "/assets/chart.min.js").status, 200);
}

// The pages share one head and header bar (web/assets/_*.html), put in at build time: every page
// carries it whole, with its own title, and the parts themselves are not served.
TEST_F(WebApiTest, EveryPageCarriesTheSharedHeaderAndThePartsAreNotServed) {
  const std::string cookie = hub_.Login("r01", "correct+horse+battery");
  ASSERT_FALSE(cookie.empty());
  const std::string bar = "<header class=\"bar\">\n  <span class=\"brand\" data-i18n=\"brand\">帮办</span>\n";
  const std::string logout = "<form method=\"post\" action=\"/logout\" id=\"logout\">";
  for (const auto& [target, page] :
       {std::pair{"/queue", "queue"}, std::pair{"/dashboard", "dashboard"}, std::pair{"/cases/A-1", "case"},
        std::pair{"/records/00", "record"}, std::pair{"/admin", "admin"}, std::pair{"/login", "login"},
        std::pair{"/public/outlets", "outlets"}}) {
    Response r = Get(hub_.port(), target, {{"Cookie", cookie}});
    ASSERT_EQ(r.status, 200) << target;
    EXPECT_EQ(r.body.rfind("<!doctype html>\n<html lang=\"zh-CN\">\n<head>\n", 0), 0u) << target;
    EXPECT_NE(r.body.find("<title data-i18n=\"title." + std::string(page) + "\">"), std::string::npos) << target;
    EXPECT_NE(r.body.find("<body data-page=\"" + std::string(page) + "\">\n" + bar), std::string::npos) << target;
    const bool signed_in_page = std::string(page) != "login" && std::string(page) != "outlets";
    EXPECT_EQ(r.body.find(logout) != std::string::npos, signed_in_page) << target;
    EXPECT_EQ(r.body.find("<!--#include"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("{{page}}"), std::string::npos) << target;
  }
  for (const char* part : {"/assets/_head.html", "/assets/_header.html", "/assets/_header_public.html"}) {
    EXPECT_EQ(Get(hub_.port(), part, {{"Cookie", cookie}}).status, 404) << part;
  }
}

TEST_F(WebApiTest, SignInSetsAStrictHttpOnlyCookieAndRefusesWrongPasswords) {
  Response refused;
  EXPECT_EQ(hub_.Login("r01", "wrong password", &refused), "");
  EXPECT_EQ(refused.status, 303);
  EXPECT_EQ(refused.Header("location"), "/login?error=bad_login");
  EXPECT_EQ(hub_.Login("r02", kPassword), "");  // on the roster, but no password set
  EXPECT_EQ(hub_.Login("nobody", kPassword), "");

  Response accepted;
  const std::string cookie = hub_.Login("r01", "correct+horse+battery", &accepted);
  ASSERT_FALSE(cookie.empty());
  EXPECT_EQ(accepted.Header("location"), "/queue");
  const std::string set_cookie = accepted.Header("set-cookie");
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  json session = hub_.Session(cookie);
  EXPECT_EQ(session["name"], "r01");
  EXPECT_EQ(session["role"], "reviewer");
  EXPECT_EQ(session["hub"]["county"], "140802");
  EXPECT_EQ(session["csrf"].get<std::string>().size(), 64u);

  // Signing out needs the CSRF token too, and ends the session.
  Response no_token = Request(hub_.port(), "POST", "/logout", "", {{"Cookie", cookie}});
  EXPECT_EQ(no_token.status, 403);
  Response out = Request(hub_.port(), "POST", "/logout", "csrf=" + session["csrf"].get<std::string>(),
                         {{"Cookie", cookie}, {"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(Get(hub_.port(), "/api/queue", {{"Cookie", cookie}}).status, 401);
}

TEST_F(WebApiTest, RepeatedFailuresForANameAreThrottled) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(hub_.Login("r01", "wrong password"), "");
  Response throttled;
  EXPECT_EQ(hub_.Login("r01", "correct+horse+battery", &throttled), "");  // even the right one, for now
  EXPECT_EQ(throttled.Header("location"), "/login?error=login_throttled");
}

TEST_F(WebApiTest, ADisabledOperatorCannotSignInAndLosesTheSession) {
  const std::string cookie = hub_.Login("r01", "correct+horse+battery");
  ASSERT_FALSE(cookie.empty());
  WebHub::Ok(
      hub_.Hub({"user", "disable", "--data", "H", "--name", "r01", "--reason", "调岗"}));  // handed to the daemon
  EXPECT_EQ(Get(hub_.port(), "/api/queue", {{"Cookie", cookie}}).status, 401);
  EXPECT_EQ(hub_.Login("r01", "correct+horse+battery"), "");
}

TEST_F(WebApiTest, ActionsNeedTheCsrfTokenAndGoThroughTheReviewCommand) {
  const std::string cookie = hub_.Login("r01", "correct+horse+battery");
  ASSERT_FALSE(cookie.empty());
  const std::string csrf = hub_.Session(cookie)["csrf"];
  json queue = Queue(cookie);
  ASSERT_NE(Find(queue, "A-1"), nullptr) << queue.dump();
  EXPECT_EQ((*Find(queue, "A-1"))["state"], "received");

  // No token, or a wrong one: 403 and nothing written.
  for (const std::string& token : {std::string(), std::string(64, '0')}) {
    Response r = Post("/api/cases/A-1/accept", json::object(), cookie, token);
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "bad_csrf");
  }
  EXPECT_EQ((*Find(Queue(cookie), "A-1"))["state"], "received");

  // The workflow's own refusals come back as the review command gives them.
  Response early = Post("/api/cases/A-1/approve", json::object(), cookie, csrf);
  EXPECT_EQ(early.status, 409) << early.body;
  EXPECT_EQ(json::parse(early.body)["error"]["code"], "workflow");
  Response unknown = Post("/api/cases/Z-9/accept", json::object(), cookie, csrf);
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  Response no_reason = Post("/api/cases/A-1/reject", json::object(), cookie, csrf);
  EXPECT_EQ(no_reason.status, 400) << no_reason.body;
  EXPECT_EQ(Post("/api/cases/A-1/delete", json::object(), cookie, csrf).status, 400);
  EXPECT_EQ(Post("/api/cases/A-1/accept", {{"reason", std::string("a\x01")}}, cookie, csrf).status, 400);
  // A value that looks like an option stays a value.
  Response option_like = Post("/api/cases/--auto/accept", json::object(), cookie, csrf);
  EXPECT_EQ(option_like.status, 404) << option_like.body;

  Response accepted = Post("/api/cases/A-1/accept", {{"outlet_id", "YH-001"}}, cookie, csrf);
  ASSERT_EQ(accepted.status, 200) << accepted.body;
  Response approved = Post("/api/cases/A-1/approve", json::object(), cookie, csrf);
  ASSERT_EQ(approved.status, 200) << approved.body;
  json answer = json::parse(approved.body);
  EXPECT_EQ(answer["state"], "approved");
  EXPECT_EQ(answer["reviewer"], "r01");

  // The CLI sees the same signed record: the case approved by r01.
  cli::Result report = hub_.Hub({"report", "sla", "--data", "H", "--apps", "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  bool seen = false;
  const json sla = json::parse(report.out);
  for (const json& app : sla["apps"]) {
    if (app["app_id"] != "A-1") continue;
    seen = true;
    EXPECT_EQ(app["state"], "approved");
    EXPECT_EQ(app["reviewer"], "r01");
  }
  EXPECT_TRUE(seen) << report.out;

  // The detail: the timeline of signed records, each verified with its receipt.
  Response detail = Get(hub_.port(), "/api/cases/A-1", {{"Cookie", cookie}});
  ASSERT_EQ(detail.status, 200) << detail.body;
  json d = json::parse(detail.body);
  EXPECT_EQ(d["state"], "approved");
  ASSERT_EQ(d["timeline"].size(), 3u) << detail.body;
  EXPECT_EQ(d["timeline"][0]["action"], "submit");
  EXPECT_EQ(d["timeline"][2]["action"], "approve");
  EXPECT_EQ(d["timeline"][2]["record_id"], answer["id"]);
  for (const json& e : d["timeline"]) {
    EXPECT_TRUE(e["signature_ok"].get<bool>()) << e.dump();
    EXPECT_TRUE(e["verified"].get<bool>()) << e.dump();
  }
  // The page never carries the applicant's clear identity.
  EXPECT_EQ(detail.body.find(kIdNumber), std::string::npos);
  EXPECT_EQ(detail.body.find(kApplicantName), std::string::npos);
}

TEST_F(WebApiTest, TheQueueFiltersAndTheDashboardFiguresAnswer) {
  const std::string cookie = hub_.Login("r01", "correct+horse+battery");
  ASSERT_FALSE(cookie.empty());
  json establish = json::parse(Get(hub_.port(), "/api/queue?kind=establish", {{"Cookie", cookie}}).body);
  ASSERT_EQ(establish["open"].size(), 1u) << establish.dump();
  EXPECT_EQ(establish["open"][0]["app_id"], "C-1");
  EXPECT_EQ(json::parse(Get(hub_.port(), "/api/queue?outlet=YH-002", {{"Cookie", cookie}}).body)["open"].size(), 0u);
  json dashboard = json::parse(Get(hub_.port(), "/api/dashboard", {{"Cookie", cookie}}).body);
  ASSERT_EQ(dashboard["counties"].size(), 1u) << dashboard.dump();
  EXPECT_EQ(dashboard["counties"][0]["county"], "140802");
  EXPECT_EQ(dashboard["counties"][0]["received"], 3);
  EXPECT_TRUE(dashboard["counties"][0]["score"].is_null());  // the oversight figures are pending, not zero
  EXPECT_EQ(dashboard["on_time_by_day"].size(), 14u);
  Response bad_date = Get(hub_.port(), "/api/sla?from=2026-13-01", {{"Cookie", cookie}});
  EXPECT_EQ(bad_date.status, 400);
}

TEST_F(WebApiTest, ThePublicDirectoryListsOutletsAndNoPersonalData) {
  Response all = Get(hub_.port(), "/public/api/outlets");
  ASSERT_EQ(all.status, 200);
  json outlets = json::parse(all.body)["outlets"];
  ASSERT_EQ(outlets.size(), 1u) << all.body;
  EXPECT_EQ(outlets[0]["outlet_id"], "YH-001");
  EXPECT_EQ(outlets[0]["township"], "东郭镇");
  EXPECT_EQ(outlets[0]["phone"], "0359-2000001");
  EXPECT_EQ(json::parse(Get(hub_.port(), "/public/api/outlets?township=%E4%B8%9C%E9%83%AD").body)["outlets"].size(),
            1u);
  EXPECT_EQ(json::parse(Get(hub_.port(), "/public/api/outlets?county=140829").body)["outlets"].size(), 0u);
  for (const char* target : {"/public/api/outlets", "/public/outlets", "/metrics", "/healthz", "/login"}) {
    const std::string body = Get(hub_.port(), target).body;
    EXPECT_EQ(body.find(kIdNumber), std::string::npos) << target;
    EXPECT_EQ(body.find(kApplicantName), std::string::npos) << target;
    EXPECT_EQ(body.find("盐湖区小店"), std::string::npos) << target;
  }
}

// A reviewer of county 140802, signed in at its county hub, asks for county 140821: by naming it
// (`?county=`, or "county" in an action's body), or by an application of 140821 that the hub
// carries (the city's, the neighbour county's and its outlet's records, imported as a city export
// brings them). Every county-scoped endpoint answers 403 other_county, and nothing is written.
TEST(WebCountyTest, AReviewerIsRefusedAnotherCountysDataWith403AndNothingIsWritten) {
  const std::string calendar = std::string(BANGBAN_SOURCE_DIR) + "/deploy/calendars/cn-2026.toml";
  WebHub hub;
  cli::Result city = hub.Hub({"init", "--data", "C", "--role", "city", "--name", "运城市行政审批服务管理局", "--city",
                              "1408", "--simulation", "--calendar", calendar});
  ASSERT_EQ(city.exit_code, 0) << city.Describe();
  ASSERT_NO_FATAL_FAILURE(hub.Start(city.out.substr(0, 64)));
  cli::Result z = hub.Hub({"init", "--data", "Z", "--role", "county", "--name", "临猗县行政审批服务管理局", "--county",
                           "140821", "--city-key", city.out.substr(0, 64), "--simulation", "--calendar", calendar});
  ASSERT_EQ(z.exit_code, 0) << z.Describe();
  const std::string z_key = z.out.substr(0, 64);
  WebHub::Ok(
      hub.Hub({"enroll", "--data", "C", "--key", z_key, "--role", "county", "--name", "临猗县", "--county", "140821"}));
  cli::Result o = hub.Node({"init", "--data", "O", "--outlet-id", "ZH-001", "--county", "140821", "--county-key", z_key,
                            "--simulation", "--sealing-key", cli::SealingKeyFromInit(z.err)});
  ASSERT_EQ(o.exit_code, 0) << o.Describe();
  WebHub::Ok(hub.Hub({"enroll", "--data", "Z", "--key", o.out.substr(0, 64), "--role", "outlet", "--name",
                      "临猗县城关网点", "--outlet-id", "ZH-001"}));
  WebHub::Ok(hub.Node({"submit", "--data", "O", "-"}, city::AppSubmit("Z-1", "临猗县小店Z-1").dump() + "\n"));
  WebHub::Ok(hub.Node({"export", "--data", "O", "--out", "o.bundle"}));
  for (const char* party : {"C", "Z"}) {
    WebHub::Ok(hub.Hub({"export", "--data", party, "--out", std::string(party) + ".bundle"}));
  }
  for (const char* bundle : {"C.bundle", "Z.bundle", "o.bundle"}) {
    WebHub::Ok(hub.Hub({"import", "--data", "H", bundle}));  // handed to the running daemon
  }

  Response signed_in;
  const std::string cookie = hub.Login("r01", "correct+horse+battery", &signed_in);
  ASSERT_FALSE(cookie.empty());
  const std::string csrf = hub.Session(cookie)["csrf"];
  const json queue = json::parse(Get(hub.port(), "/api/queue", {{"Cookie", cookie}}).body);
  ASSERT_EQ(queue["other_county_cases"], 1) << "the hub carries the neighbour's application\n" << queue.dump();
  ASSERT_EQ(queue["open"].size(), 3u) << queue.dump();
  const std::vector<bangban::Record> before = hub.Records();
  ASSERT_FALSE(before.empty());
  const std::string a_record = bangban::ToHex(before.front().id());

  auto expect_other_county = [&](const Response& r, const std::string& what) {
    EXPECT_EQ(r.status, 403) << what << ": " << r.body;
    const json answer = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(answer.is_object()) << what << ": " << r.body;
    EXPECT_EQ(answer["error"]["code"], "other_county") << what << ": " << r.body;
    EXPECT_NE(answer["error"]["message"].get<std::string>().find("140802"), std::string::npos) << what;
  };
  auto post = [&](const std::string& target, const json& body) {
    return Request(hub.port(), "POST", target, body.dump(),
                   {{"Content-Type", "application/json"}, {"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  };
  // Naming the other county, on every endpoint that reads or acts for a county.
  for (const std::string& target :
       {std::string("/api/queue"), std::string("/api/sla"), std::string("/api/dashboard"), std::string("/api/events"),
        std::string("/api/session"), std::string("/api/operators"), std::string("/api/cases/A-1"),
        "/api/records/" + a_record}) {
    const std::string named = target + "?county=140821";
    expect_other_county(Get(hub.port(), named, {{"Cookie", cookie}}), "GET " + named);
  }
  for (const char* action : {"accept", "correct", "approve", "reject", "assign"}) {
    const std::string target = std::string("/api/cases/A-1/") + action;
    const json body = {{"reason", "材料不全"}, {"assignee", "r02"}};
    expect_other_county(post(target + "?county=140821", body), "POST " + target + "?county=");
    json in_body = body;
    in_body["county"] = "140821";
    expect_other_county(post(target, in_body), "POST " + target + " {county}");
  }
  expect_other_county(post("/api/cases/A-1/applicant", {{"purpose", "核对身份"}, {"county", "140821"}}),
                      "POST applicant {county}");
  expect_other_county(post("/api/cases/A-1/applicant?county=140821", {{"purpose", "核对身份"}}),
                      "POST applicant ?county=");
  expect_other_county(post("/api/operators/add", {{"name", "r09"}, {"county", "140821"}}), "POST operators/add");
  // The neighbour's application the hub carries: not read, not reviewed, not opened here.
  expect_other_county(Get(hub.port(), "/api/cases/Z-1", {{"Cookie", cookie}}), "GET /api/cases/Z-1");
  expect_other_county(Get(hub.port(), "/api/cases/Z-1?outlet=ZH-001", {{"Cookie", cookie}}), "GET Z-1 of ZH-001");
  expect_other_county(post("/api/cases/Z-1/accept", json::object()), "POST Z-1/accept");
  expect_other_county(post("/api/cases/Z-1/assign", {{"assignee", "r01"}}), "POST Z-1/assign");
  expect_other_county(post("/api/cases/Z-1/applicant", {{"purpose", "核对身份"}}), "POST Z-1/applicant");

  // Nothing was written: the same records, no review and no access trace.
  const std::vector<bangban::Record> after = hub.Records();
  EXPECT_EQ(after.size(), before.size());
  EXPECT_TRUE(hub.RecordsOfType("pii.access").empty());
  for (const char* type : {"review.accept", "review.assign", "review.approve", "review.reject", "review.correct"}) {
    EXPECT_TRUE(hub.RecordsOfType(type).empty()) << type;
  }

  // The hub's own county, named or not, is answered as before.
  const json own = json::parse(Get(hub.port(), "/api/queue?county=140802", {{"Cookie", cookie}}).body);
  EXPECT_EQ(own["open"].size(), 3u) << own.dump();
  EXPECT_EQ(Get(hub.port(), "/api/cases/A-1?county=140802", {{"Cookie", cookie}}).status, 200);
  Response accepted = post("/api/cases/A-1/accept", {{"county", "140802"}});
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(hub.Records().size(), before.size() + 1);
}

// At the city hub a city auditor reads; what only a county hub does (review, show applicant,
// manage operators) is 403 forbidden there, and writes nothing.
TEST(WebCityTest, TheCountysActionsAreRefusedAtTheCityAndWriteNothing) {
  WebHub city;
  ASSERT_NO_FATAL_FAILURE(city.StartCity());
  const std::string cookie = city.Login("a01", "correct+horse+battery");
  ASSERT_FALSE(cookie.empty());
  const std::string csrf = city.Session(cookie)["csrf"];
  const size_t before = city.Records().size();
  auto post = [&](const std::string& target, const json& body) {
    return Request(city.port(), "POST", target, body.dump(),
                   {{"Content-Type", "application/json"}, {"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  };
  for (const auto& [target, body] :
       {std::pair{"/api/cases/A-1/approve", json{{"outlet_id", "YH-001"}}},
        std::pair{"/api/cases/A-1/assign", json{{"assignee", "a01"}}},
        std::pair{"/api/cases/A-1/applicant", json{{"purpose", "核对身份"}, {"outlet_id", "YH-001"}}},
        std::pair{"/api/operators/add", json{{"name", "r09"}}},
        std::pair{"/api/operators/disable", json{{"name", "a01"}, {"reason", "调岗"}}}}) {
    Response r = post(target, body);
    EXPECT_EQ(r.status, 403) << target << ": " << r.body;
    EXPECT_EQ(json::parse(r.body)["error"]["code"], "forbidden") << target;
  }
  EXPECT_EQ(Get(city.port(), "/api/operators", {{"Cookie", cookie}}).status, 403);
  EXPECT_EQ(city.Records().size(), before);
  // Reading is the auditor's: the city answers for every county, `county` choosing one.
  EXPECT_EQ(Get(city.port(), "/api/queue?county=140821", {{"Cookie", cookie}}).status, 200);
  EXPECT_EQ(Get(city.port(), "/api/sla?county=140821", {{"Cookie", cookie}}).status, 200);
}

// At the city hub the operators are city auditors: they read, and every action is refused.
TEST(WebCityTest, ACityAuditorReadsButMayNotAct) {
  WebHub city;
  ASSERT_NO_FATAL_FAILURE(city.StartCity());
  Response answer;
  const std::string cookie = city.Login("a01", "correct+horse+battery", &answer);
  ASSERT_FALSE(cookie.empty());
  EXPECT_EQ(answer.Header("location"), "/dashboard");
  json session = city.Session(cookie);
  EXPECT_EQ(session["role"], "city_auditor");
  EXPECT_EQ(Get(city.port(), "/api/dashboard", {{"Cookie", cookie}}).status, 200);
  Response act = Request(city.port(), "POST", "/api/cases/A-1/accept", "{}",
                         {{"Cookie", cookie}, {"X-CSRF-Token", session["csrf"].get<std::string>()}});
  EXPECT_EQ(act.status, 403) << act.body;
  EXPECT_EQ(json::parse(act.body)["error"]["code"], "forbidden");
  // The city's case pages say which county they mean.
  EXPECT_EQ(Get(city.port(), "/api/cases/A-1", {{"Cookie", cookie}}).status, 400);
  EXPECT_EQ(Get(city.port(), "/api/cases/A-1?county=140802", {{"Cookie", cookie}}).status, 404);
}

}  // namespace
}  // namespace webtest
