// The live colour event (docs/api.md, GET /api/events): a case turns red while a client listens
// on the event stream, and the event names the case and its new colour. The daemon notices on
// its own timer (every 10 s), with no record needed at that moment.
//
// Every party is a simulation party. The daemon's clock is fixed at kNow (Monday 2026-03-02
// 09:30); the application reaches it while it runs, through an import handed to it by a command
// carrying Friday's clock (the daemon runs a handed-off command at its sender's clock), so the
// hub received it on Friday 10:00 and its deadline, the end of that morning's session, is long
// past at the daemon's clock: red.
#include <gtest/gtest.h>

#include "tests/web/web_hub.h"

namespace webtest {
namespace {

constexpr const char* kSetup = "2026-02-27T09:00:00+08:00";     // Friday, before the application
constexpr const char* kReceived = "2026-02-27T10:00:00+08:00";  // Friday: due by 12:00

TEST(WebColourTest, ACaseTurningRedReachesTheListeningPageNamingTheCaseAndColour) {
  WebHub hub;
  ASSERT_NO_FATAL_FAILURE(hub.StartBare(kSetup));
  const std::string cookie = hub.Login("r01", "correct+horse+battery");
  ASSERT_FALSE(cookie.empty());
  EventStream events(hub.port(), "/api/events", {{"Cookie", cookie}});
  ASSERT_TRUE(events.WaitFor("retry: 3000\n\n")) << events.received();
  EXPECT_EQ(events.received().find("event: colour"), std::string::npos);

  json submit = city::AppSubmit("L-1", "盐湖区迟办小店");
  submit["kind"] = "change";
  WebHub::Ok(hub.NodeAt(kReceived, {"submit", "--data", "N1", "-"}, submit.dump() + "\n"));
  WebHub::Ok(hub.NodeAt(kReceived, {"export", "--data", "N1", "--out", "late.bundle"}));
  WebHub::Ok(hub.HubAt(kReceived, {"import", "--data", "H", "late.bundle"}));  // handed to the daemon

  ASSERT_TRUE(events.WaitFor("event: colour\ndata: ")) << events.received() << hub.daemon().Log();
  ASSERT_TRUE(events.WaitFor("]\n\n")) << events.received();
  const std::string& text = events.received();
  const size_t at = text.find("event: colour\ndata: ") + 20;
  const json changes = json::parse(text.substr(at, text.find('\n', at) - at));
  ASSERT_EQ(changes.size(), 1u) << changes.dump();
  EXPECT_EQ(changes[0]["app_id"], "L-1");
  EXPECT_EQ(changes[0]["outlet_id"], "YH-001");
  EXPECT_EQ(changes[0]["to"], "red");

  // The queue agrees, at the daemon's clock.
  const json queue = json::parse(Get(hub.port(), "/api/queue", {{"Cookie", cookie}}).body);
  ASSERT_EQ(queue["open"].size(), 1u) << queue.dump();
  EXPECT_EQ(queue["open"][0]["app_id"], "L-1");
  EXPECT_EQ(queue["open"][0]["colour"], "red");
}

}  // namespace
}  // namespace webtest
