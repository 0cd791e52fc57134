// The HTTP layer and the account machinery on their own: a real HttpServer on 127.0.0.1 (a port
// the kernel picks), real requests over a socket.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "crypto/error.h"
#include "tests/support/temp_dir.h"
#include "tests/web/http_client.h"
#include "web/http_server.h"
#include "web/password_file.h"
#include "web/sessions.h"

namespace bangban {
namespace {

using test_support::TempDir;

HttpServer::Options Loopback() {
  HttpServer::Options options;
  options.address = "127.0.0.1";
  options.port = 0;
  return options;
}

TEST(HttpServerTest, AnswersWithTheHandlersResponseAndCountsStatuses) {
  HttpServer server(Loopback(), [](const HttpRequest& r) {
    if (r.path != "/echo dir/x") return HttpResponse{404, "text/plain", "no\n"};
    return HttpResponse{200,
                        "application/json",
                        r.method + "|" + r.Query("a") + "|" + r.Query("b") + "|" + r.Header("x-test") + "|" +
                            r.Cookie("two") + "|" + r.body,
                        {{"X-Extra", "yes"}}};
  });
  ASSERT_GT(server.port(), 0);
  webtest::Response r = webtest::Request(server.port(), "POST", "/echo%20dir/x?a=1%2B1&b=x+y", "payload",
                                         {{"X-Test", "hello"}, {"Cookie", "one=1; two=2"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST|1+1|x y|hello|2|payload");
  EXPECT_EQ(r.Header("x-extra"), "yes");
  EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
  EXPECT_NE(r.Header("content-security-policy").find("default-src 'self'"), std::string::npos);
  EXPECT_EQ(webtest::Get(server.port(), "/missing").status, 404);
  std::map<int, uint64_t> counts = server.StatusCounts();
  EXPECT_EQ(counts[200], 1u);
  EXPECT_EQ(counts[404], 1u);
}

TEST(HttpServerTest, RefusesABodyOverTheLimitWith413) {
  HttpServer::Options options = Loopback();
  options.max_body_bytes = 1024;
  bool called = false;
  HttpServer server(options, [&](const HttpRequest&) {
    called = true;
    return HttpResponse{};
  });
  webtest::Response r = webtest::Request(server.port(), "POST", "/", std::string(4096, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_FALSE(called);
}

TEST(HttpServerTest, AHandlerThatThrowsGives500AndTheServerGoesOn) {
  HttpServer server(Loopback(), [](const HttpRequest& r) -> HttpResponse {
    if (r.path == "/boom") throw std::runtime_error("boom");
    return {200, "text/plain", "fine"};
  });
  EXPECT_EQ(webtest::Get(server.port(), "/boom").status, 500);
  EXPECT_EQ(webtest::Get(server.port(), "/").body, "fine");
}

TEST(HttpServerTest, EventStreamsReceiveWhatIsPublished) {
  HttpServer server(Loopback(), [](const HttpRequest&) {
    HttpResponse r;
    r.event_stream = true;
    r.body = "retry: 3000\n\n";
    return r;
  });
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.connect({net::ip::make_address("127.0.0.1"), server.port()});
  const std::string request = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";
  net::write(socket, net::buffer(request));
  net::streambuf buffer;
  net::read_until(socket, buffer, "retry: 3000\n\n");
  for (int i = 0; i < 100 && server.open_streams() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(server.open_streams(), 1u);
  server.Publish("records", "7");
  net::read_until(socket, buffer, "data: 7\n\n");
  std::string text(net::buffers_begin(buffer.data()), net::buffers_end(buffer.data()));
  EXPECT_NE(text.find("Content-Type: text/event-stream"), std::string::npos) << text;
  EXPECT_NE(text.find("event: records\ndata: 7\n\n"), std::string::npos) << text;
}

TEST(HttpServerTest, ParsesListenAddressesAndRefusesBadOnes) {
  EXPECT_EQ(ParseHttpAddress("127.0.0.1:8080"), (std::pair<std::string, uint16_t>{"127.0.0.1", 8080}));
  EXPECT_EQ(ParseHttpAddress("[::1]:9000").first, "::1");
  for (const char* bad :
       {"8080", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000", "localhost:80", "127.0.0.1:80x"}) {
    try {
      ParseHttpAddress(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_TRUE(e.Is(ErrorCode::kUsage)) << bad;
    }
  }
}

TEST(HttpServerTest, ABusyPortIsRefusedWithBind) {
  HttpServer first(Loopback(), [](const HttpRequest&) { return HttpResponse{}; });
  HttpServer::Options options = Loopback();
  options.port = first.port();
  try {
    HttpServer second(options, [](const HttpRequest&) { return HttpResponse{}; });
    ADD_FAILURE() << "a second server bound the same port";
  } catch (const Error& e) {
    EXPECT_TRUE(e.Is(ErrorCode::kBind));
  }
}

TEST(HttpFormTest, DecodesFormsAndRefusesBrokenEscapes) {
  std::map<std::string, std::string> form = ParseForm("name=r01&password=a%26b+c&empty=&=skip&broken=%zz");
  EXPECT_EQ(form["name"], "r01");
  EXPECT_EQ(form["password"], "a&b c");
  EXPECT_EQ(form["empty"], "");
  EXPECT_EQ(form.count("broken"), 0u);
  std::string out;
  EXPECT_FALSE(PercentDecode("%4", false, out));
  EXPECT_TRUE(PercentDecode("%E7%9B%90", false, out));
  EXPECT_EQ(out, "盐");
}

TEST(SessionsTest, ExpireWhenIdleAndAreBounded) {
  Sessions sessions(Sessions::Limits{2, 1000, 10000});
  Session a = sessions.Open("r01", "reviewer", 0);
  EXPECT_EQ(a.token.size(), 64u);
  EXPECT_NE(a.token, a.csrf);
  ASSERT_TRUE(sessions.Find(a.token, 500));
  EXPECT_FALSE(sessions.Find(a.token, 1600));  // idle 1100 ms > 1000
  Session b = sessions.Open("r01", "reviewer", 2000);
  Session c = sessions.Open("r02", "reviewer", 2001);
  Session d = sessions.Open("r03", "reviewer", 2002);  // the oldest (b) makes room
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_FALSE(sessions.Find(b.token, 2003));
  EXPECT_TRUE(sessions.Find(d.token, 2003));
  sessions.Close(d.token);
  EXPECT_FALSE(sessions.Find(d.token, 2004));
  EXPECT_FALSE(sessions.Find("", 2004));
}

TEST(LoginThrottleTest, BacksOffAfterFiveFailuresAndASuccessClears) {
  LoginThrottle throttle;
  for (int i = 0; i < LoginThrottle::kFreeFailures - 1; ++i) {
    throttle.Failed("r01", 1000);
    EXPECT_EQ(throttle.WaitMs("r01", 1000), 0);
  }
  throttle.Failed("r01", 1000);
  EXPECT_EQ(throttle.WaitMs("r01", 1000), 1000);
  throttle.Failed("r01", 2000);
  EXPECT_EQ(throttle.WaitMs("r01", 2000), 2000);
  EXPECT_EQ(throttle.WaitMs("r02", 2000), 0);  // per name
  for (int i = 0; i < 40; ++i) throttle.Failed("r01", 3000);
  EXPECT_EQ(throttle.WaitMs("r01", 3000), LoginThrottle::kMaxWaitMs);
  throttle.Succeeded("r01");
  EXPECT_EQ(throttle.WaitMs("r01", 3000), 0);
}

TEST(PasswordFileTest, StoresArgon2idHashesOwnerOnlyAndChecksThem) {
  TempDir dir;
  PasswordFile file(dir.path());
  file.Set("r01", Password("correct horse battery"));
  file.Set("r02", Password("another long secret"));
  struct stat st {};
  ASSERT_EQ(::stat(file.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream in(file.path());
  std::string text((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(text.find("correct horse"), std::string::npos);
  EXPECT_NE(text.find("r01 $argon2id$"), std::string::npos) << text;
  EXPECT_TRUE(file.Check("r01", Password("correct horse battery")));
  EXPECT_FALSE(file.Check("r01", Password("correct horse batterY")));
  EXPECT_FALSE(file.Check("r02", Password("correct horse battery")));
  EXPECT_FALSE(file.Check("nobody", Password("correct horse battery")));
  file.Set("r01", Password("a new password!"));
  EXPECT_FALSE(file.Check("r01", Password("correct horse battery")));
  EXPECT_TRUE(file.Check("r01", Password("a new password!")));
  EXPECT_TRUE(file.Check("r02", Password("another long secret")));
}

TEST(PasswordFileTest, RefusesShortPasswordsBadNamesAndAFileOthersCanRead) {
  TempDir dir;
  PasswordFile file(dir.path());
  auto code_of = [](const std::function<void()>& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.code());
    }
    return "";
  };
  EXPECT_EQ(code_of([&] { file.Set("r01", Password("short")); }), "input");
  EXPECT_EQ(code_of([&] { file.Set("r 01", Password("long enough password")); }), "usage");
  EXPECT_EQ(code_of([&] { file.Set("", Password("long enough password")); }), "usage");
  EXPECT_FALSE(std::filesystem::exists(file.path()));  // nothing written by a refusal
  file.Set("r01", Password("long enough password"));
  ::chmod(file.path().c_str(), 0644);
  EXPECT_EQ(code_of([&] { file.Check("r01", Password("long enough password")); }), "unsafe_permissions");
}

}  // namespace
}  // namespace bangban
