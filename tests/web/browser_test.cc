// The pages in a real browser (headless Chromium over the DevTools protocol) against a real
// hub with real records: sign-in refused and accepted, the queue in Chinese and in English,
// live updates when a record arrives, accept and approve from the pages (the signed record is
// checked with the CLI), the detail timeline with its verified badges, the dashboard and the
// public directory. Screenshots at 1366×768 are saved as test artifacts (BANGBAN_WEB_ARTIFACTS).
#include <gtest/gtest.h>

#include "tests/web/chromium.h"
#include "tests/web/web_hub.h"

namespace webtest {
namespace {

// Width and height from a PNG's IHDR chunk.
std::pair<uint32_t, uint32_t> PngSize(const std::string& png) {
  if (png.size() < 24 || png.compare(1, 3, "PNG") != 0) return {0, 0};
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(png[at])) << 24) | (uint32_t(uint8_t(png[at + 1])) << 16) |
           (uint32_t(uint8_t(png[at + 2])) << 8) | uint32_t(uint8_t(png[at + 3]));
  };
  return {be32(16), be32(20)};
}

std::string Quote(const std::string& text) { return nlohmann::json(text).dump(); }

class BrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(ChromiumBin().empty()) << "Debian's chromium is not installed: run deploy/install-deps.sh";
    ASSERT_NO_FATAL_FAILURE(hub_.Start());
    artifacts_ = BANGBAN_WEB_ARTIFACTS;
    std::filesystem::create_directories(artifacts_);
    browser_.emplace(hub_.dir() / "chromium");
    browser_->OpenTab();
    base_ = "http://127.0.0.1:" + std::to_string(hub_.port());
  }

  void Open(const std::string& path, const std::string& ready) {
    browser_->Navigate(base_ + path);
    ASSERT_TRUE(browser_->WaitFor("location.pathname === " + Quote(path.substr(0, path.find('?'))) +
                                  " && document.readyState === 'complete' && (" + ready + ")"))
        << path << ": " << browser_->Eval("document.body ? document.body.innerText : ''").dump();
  }

  void SignIn(const std::string& password, const std::string& name = "r01") {
    browser_->Eval("document.getElementById('name').value = " + Quote(name) +
                   ";"
                   "document.getElementById('password').value = " +
                   Quote(password) + "; document.getElementById('login').submit(); true");
  }

  std::string Text(const std::string& selector) {
    nlohmann::json v = browser_->Eval("(document.querySelector(" + Quote(selector) + ") || {}).textContent");
    return v.is_string() ? v.get<std::string>() : "";
  }

  void Screenshot(const std::string& name) {
    const std::string png = browser_->Screenshot(artifacts_ / name);
    EXPECT_EQ(PngSize(png), (std::pair<uint32_t, uint32_t>{1366, 768})) << name;
  }

  WebHub hub_;
  std::optional<Chromium> browser_;
  std::filesystem::path artifacts_;
  std::string base_;
};

TEST_F(BrowserTest, AReviewersDayInTheBrowser) {
  // A wrong password is refused, with the reason on the page, in Chinese.
  ASSERT_NO_FATAL_FAILURE(Open("/login", "!!document.getElementById('login')"));
  SignIn("not the password");
  ASSERT_TRUE(
      browser_->WaitFor("location.search === '?error=bad_login' && !document.getElementById('message').hidden"));
  EXPECT_EQ(Text("#message"), "工号或密码错误，或该账户已停用。");
  EXPECT_EQ(browser_->Eval("document.cookie"), "");  // HttpOnly, and none was set anyway

  // Signed in: the queue shows the three applications, in Chinese by default.
  SignIn(kPassword);
  ASSERT_TRUE(browser_->WaitFor("location.pathname === '/queue' && !!document.querySelector('tr[data-app=\"A-1\"]')"))
      << browser_->Eval("document.body.innerText").dump();
  EXPECT_EQ(browser_->Eval("document.querySelectorAll('#open tbody tr[data-app]').length"), 3);
  EXPECT_EQ(Text("main h2"), "办理中");
  EXPECT_EQ(Text("tr[data-app=\"A-1\"] td.state"), "已接收");
  EXPECT_EQ(browser_->Eval("document.cookie"), "");  // the session cookie is HttpOnly
  Screenshot("queue-zh.png");

  // The English switch, and back.
  browser_->Eval("document.getElementById('lang').click(); true");
  ASSERT_TRUE(browser_->WaitFor("document.querySelector('main h2').textContent === 'In progress'"));
  EXPECT_EQ(Text("tr[data-app=\"A-1\"] td.state"), "Received");
  EXPECT_EQ(Text("#lang"), "中文");
  EXPECT_EQ(browser_->Eval("document.documentElement.lang"), "en");
  Screenshot("queue-en.png");
  browser_->Eval("document.getElementById('lang').click(); true");
  ASSERT_TRUE(browser_->WaitFor("document.querySelector('main h2').textContent === '办理中'"));

  // Live: a review made with the CLI (handed to the daemon) shows up without a reload.
  ASSERT_NO_FATAL_FAILURE(WebHub::Ok(hub_.Hub({"review", "--data", "H", "accept", "B-1", "--reviewer", "r02"})));
  ASSERT_TRUE(browser_->WaitFor("document.querySelector('tr[data-app=\"B-1\"] td.state').textContent === '已受理'"))
      << browser_->Eval("document.body.innerText").dump();

  // Accept from the queue, then approve from the detail page.
  browser_->Eval("document.querySelector('tr[data-app=\"A-1\"] button[data-action=accept]').click(); true");
  ASSERT_TRUE(browser_->WaitFor("document.querySelector('tr[data-app=\"A-1\"] td.state').textContent === '已受理'"));
  ASSERT_NO_FATAL_FAILURE(
      Open("/cases/A-1?outlet=YH-001", "document.querySelectorAll('#timeline tbody tr').length === 2"));
  ASSERT_TRUE(browser_->WaitFor("!document.getElementById('act-panel').hidden"));
  browser_->Eval(
      "document.getElementById('act-action').value = 'approve';"
      "document.getElementById('act-submit').click(); true");
  ASSERT_TRUE(browser_->WaitFor("document.querySelectorAll('#timeline tbody tr').length === 3"))
      << browser_->Eval("document.body.innerText").dump();
  ASSERT_TRUE(browser_->WaitFor("document.getElementById('field-state').textContent === '已核准'"));
  EXPECT_EQ(browser_->Eval("document.querySelectorAll('#timeline .badge.verified').length"), 3);
  Screenshot("case-zh.png");

  // Show applicant: a purpose is required; the clear values appear in this page only, from the
  // opening's own response, and a reload shows the sealed state again.
  ASSERT_TRUE(browser_->WaitFor("!document.getElementById('applicant').hidden"));
  EXPECT_EQ(browser_->Eval("document.getElementById('applicant-purpose').required"), true);
  browser_->Eval(
      "document.getElementById('applicant-purpose').value = '核验申请人身份';"
      "document.getElementById('applicant-submit').click(); true");
  ASSERT_TRUE(browser_->WaitFor("document.getElementById('applicant-name').textContent === " + Quote(kApplicantName)))
      << browser_->Eval("document.body.innerText").dump();
  EXPECT_EQ(Text("#applicant-id"), kIdNumber);
  Screenshot("case-applicant-zh.png");
  ASSERT_NO_FATAL_FAILURE(
      Open("/cases/A-1?outlet=YH-001", "document.querySelectorAll('#timeline tbody tr').length === 3"));
  EXPECT_EQ(browser_->Eval("document.body.innerText.includes('" + std::string(kIdNumber) + "')"), false);

  // The signed record, as the CLI sees it: approved by the operator signed in.
  cli::Result report = hub_.Hub({"report", "sla", "--data", "H", "--apps", "--json"});
  ASSERT_EQ(report.exit_code, 0) << report.Describe();
  bool approved = false;
  const nlohmann::json sla = nlohmann::json::parse(report.out);
  for (const auto& app : sla["apps"]) {
    if (app["app_id"] == "A-1") approved = app["state"] == "approved" && app["reviewer"] == "r01";
  }
  EXPECT_TRUE(approved) << report.out;

  // The dashboard: the county's on-time rate moved to 1 of 1, charts drawn by Chart.js; with the
  // county's assessment rules, the score and the deductions, each linking to its evidence (here
  // an application that charged a fee).
  cli::WriteFile(hub_.dir() / "H/assessment.toml",
                 cli::ReadFile(std::filesystem::path(BANGBAN_SOURCE_DIR) / "deploy/assessment.toml"));
  nlohmann::json fee = city::AppSubmit("F-1", "盐湖区收费小店");
  fee["kind"] = "change";
  fee["fee_cents"] = 500;
  ASSERT_NO_FATAL_FAILURE(WebHub::Ok(hub_.Node({"submit", "--data", "N1", "-"}, fee.dump() + "\n")));
  ASSERT_NO_FATAL_FAILURE(WebHub::Ok(hub_.Node({"export", "--data", "N1", "--out", "n1-fee.bundle"})));
  ASSERT_NO_FATAL_FAILURE(WebHub::Ok(hub_.Hub({"import", "--data", "H", "n1-fee.bundle"})));
  ASSERT_NO_FATAL_FAILURE(Open("/dashboard", "!!document.querySelector('tr[data-county=\"140802\"] td.score')"));
  EXPECT_EQ(Text("tr[data-county=\"140802\"] td.on-time"), "100.0%");
  EXPECT_EQ(browser_->Eval("typeof Chart"), "function");
  EXPECT_EQ(browser_->Eval("!!Chart.getChart(document.getElementById('chart-colours'))"), true);
  EXPECT_EQ(browser_->Eval("document.querySelectorAll('td.pending').length"), 0);
  const nlohmann::json assessment =
      nlohmann::json::parse(hub_.Hub({"report", "assessment", "--data", "H", "--json"}).out);
  const std::string score = Text("tr[data-county=\"140802\"] td.score");
  ASSERT_FALSE(score.empty());
  EXPECT_DOUBLE_EQ(std::stod(score), assessment["counties"][0]["score"].get<double>()) << score;
  EXPECT_EQ(Text("tr[data-county=\"140802\"] td:nth-child(3)"), "1");  // completed
  Screenshot("dashboard-zh.png");

  // A figure moves live: an approval made at the hub while the page is open.
  ASSERT_NO_FATAL_FAILURE(WebHub::Ok(hub_.Hub({"review", "--data", "H", "approve", "B-1", "--reviewer", "r02"})));
  ASSERT_TRUE(
      browser_->WaitFor("document.querySelector('tr[data-county=\"140802\"] td:nth-child(3)').textContent === '2'"))
      << browser_->Eval("document.body.innerText").dump();

  // The fee deduction's evidence: the app.submit record, verified.
  ASSERT_TRUE(browser_->WaitFor("!!document.querySelector('li[data-rule=fee_violation] a[href^=\"/records/\"]')"))
      << browser_->Eval("document.body.innerText").dump();
  browser_->Eval("document.querySelector('li[data-rule=fee_violation] a[href^=\"/records/\"]').click(); true");
  ASSERT_TRUE(
      browser_->WaitFor("location.pathname.startsWith('/records/') && !!document.querySelector('#verified .badge')"))
      << browser_->Eval("document.body.innerText").dump();
  EXPECT_EQ(Text("#verified .badge"), "✓ 已验证");
  EXPECT_NE(Text("#body").find("\"fee_cents\": 500"), std::string::npos) << Text("#body");
  Screenshot("record-zh.png");

  // The public directory, searchable by township.
  ASSERT_NO_FATAL_FAILURE(Open("/public/outlets", "!!document.querySelector('tr[data-outlet=\"YH-001\"]')"));
  browser_->Eval(
      "document.querySelector('#search input[name=township]').value = '不存在的镇';"
      "document.querySelector('#search button').click(); true");
  ASSERT_TRUE(browser_->WaitFor("!document.querySelector('tr[data-outlet=\"YH-001\"]')"));
  EXPECT_EQ(browser_->Eval("document.body.innerText.includes('" + std::string(kIdNumber) + "')"), false);
  Screenshot("outlets-zh.png");
}

TEST_F(BrowserTest, ACountyAdminManagesReviewers) {
  ASSERT_NO_FATAL_FAILURE(
      WebHub::Ok(hub_.Hub({"user", "add", "--data", "H", "--name", "admin01", "--role", "county_admin"})));
  ASSERT_NO_FATAL_FAILURE(
      WebHub::Ok(hub_.Hub({"user", "passwd", "--data", "H", "--name", "admin01"}, std::string(kPassword) + "\n")));
  ASSERT_NO_FATAL_FAILURE(Open("/login", "!!document.getElementById('login')"));
  SignIn(kPassword, "admin01");
  ASSERT_TRUE(
      browser_->WaitFor("location.pathname === '/queue' && !!document.querySelector('.bar a[href=\"/admin\"]')"))
      << browser_->Eval("document.body.innerText").dump();
  ASSERT_NO_FATAL_FAILURE(Open("/admin", "!!document.querySelector('tr[data-operator=\"r02\"]')"));
  EXPECT_NE(Text("main").find("bangban-hub user passwd"), std::string::npos);
  EXPECT_EQ(Text("#figure-on_time"), "—");  // the county's oversight figures: nothing completed yet

  // Add a reviewer, then disable one with a reason.
  browser_->Eval(
      "document.getElementById('add-name').value = 'r04';"
      "document.getElementById('add-submit').click(); true");
  ASSERT_TRUE(browser_->WaitFor("!!document.querySelector('tr[data-operator=\"r04\"]')"))
      << browser_->Eval("document.body.innerText").dump();
  EXPECT_EQ(Text("tr[data-operator=\"r04\"] td.state"), "在用");
  browser_->Eval(
      "document.querySelector('tr[data-operator=\"r02\"] input[name=reason]').value = '调岗';"
      "document.querySelector('tr[data-operator=\"r02\"] button[data-disable]').click(); true");
  ASSERT_TRUE(
      browser_->WaitFor("document.querySelector('tr[data-operator=\"r02\"] td.state').textContent === '已停用'"))
      << browser_->Eval("document.body.innerText").dump();
  Screenshot("admin-zh.png");
  std::vector<bangban::Record> disables = hub_.RecordsOfType("operator.disable");
  ASSERT_EQ(disables.size(), 1u);
  EXPECT_EQ(disables[0].body()["by"], "admin01");
  EXPECT_EQ(disables[0].body()["reason"], "调岗");
}

}  // namespace
}  // namespace webtest
