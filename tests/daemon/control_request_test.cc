// Tests of the control request's wire form (daemon/control_socket.h): what a command sends, the
// daemon reads back exactly, and bytes that are not a request are refused with bangban's Error,
// never a library exception.
#include <gtest/gtest.h>

#include <string>

#include "crypto/error.h"
#include "daemon/control_socket.h"

namespace bangban {
namespace {

Bytes Msgpack(const Json& message) { return Json::to_msgpack(message); }

std::string RefusalCode(const Bytes& bytes) {
  try {
    DecodeControlRequest(bytes);
  } catch (const Error& e) {
    return e.code();
  } catch (const std::exception& e) {
    return std::string("library exception: ") + e.what();
  }
  return "accepted";
}

TEST(ControlRequestTest, ReadsBackWhatWasSent) {
  const ControlRequest sent{
      {"bangban-node", "submit", "--data", "d", "-"}, "/home/helper", "{\"type\":1}\n", "2026-03-02T09:30:00+08:00"};
  const ControlRequest read = DecodeControlRequest(EncodeControlRequest(sent));
  EXPECT_EQ(read.argv, sent.argv);
  EXPECT_EQ(read.cwd, sent.cwd);
  EXPECT_EQ(read.input, sent.input);
  EXPECT_EQ(read.now, sent.now);
  EXPECT_FALSE(read.clock_epoch);
  EXPECT_FALSE(read.clock_speed);
}

// A running clock travels with the command, so the daemon runs it on the sender's clock.
TEST(ControlRequestTest, ReadsBackARunningClock) {
  ControlRequest sent{{"bangban-hub", "review"}, "/", std::nullopt, "2026-03-02T09:00:00+08:00"};
  sent.clock_epoch = "1767225600000";
  sent.clock_speed = "120";
  const ControlRequest read = DecodeControlRequest(EncodeControlRequest(sent));
  EXPECT_EQ(read.now, sent.now);
  EXPECT_EQ(read.clock_epoch, sent.clock_epoch);
  EXPECT_EQ(read.clock_speed, sent.clock_speed);
}

TEST(ControlRequestTest, RefusesAMistypedClockWithAnError) {
  const Json good = {{"v", 1}, {"argv", {"bangban-hub", "status"}}, {"cwd", "/"}, {"input", nullptr}, {"now", nullptr}};
  for (const char* field : {"clock_epoch", "clock_speed"}) {
    Json mistyped = good;
    mistyped[field] = 120;
    EXPECT_EQ(RefusalCode(Msgpack(mistyped)), "control_socket") << field;
  }
}

// Found by the control_request fuzz target: a "v" that is not a number threw nlohmann's
// type_error out of the decoder.
TEST(ControlRequestTest, RefusesAVersionOfAnotherType) {
  EXPECT_EQ(RefusalCode(Msgpack({{"v", "1"}, {"argv", {"bangban-hub", "status"}}, {"cwd", "/"}})), "control_socket");
  EXPECT_EQ(RefusalCode(Msgpack({{"v", 2}, {"argv", {"bangban-hub", "status"}}, {"cwd", "/"}})), "control_socket");
  EXPECT_EQ(RefusalCode(Msgpack(Json::array({1, 2}))), "control_socket");
}

TEST(ControlRequestTest, RefusesMistypedFieldsWithAnError) {
  const Json good = {{"v", 1}, {"argv", {"bangban-hub", "status"}}, {"cwd", "/"}, {"input", nullptr}, {"now", nullptr}};
  for (const char* field : {"argv", "cwd", "input", "now"}) {
    Json missing = good;
    missing.erase(field);
    EXPECT_EQ(RefusalCode(Msgpack(missing)), "control_socket") << "without " << field;
  }
  Json argv_of_numbers = good;
  argv_of_numbers["argv"] = {1, 2};
  EXPECT_EQ(RefusalCode(Msgpack(argv_of_numbers)), "control_socket");
  Json cwd_list = good;
  cwd_list["cwd"] = Json::array();
  EXPECT_EQ(RefusalCode(Msgpack(cwd_list)), "control_socket");
}

TEST(ControlRequestTest, RefusesBytesThatAreNotOneMsgpackValue) {
  EXPECT_EQ(RefusalCode(Bytes{}), "malformed");
  EXPECT_EQ(RefusalCode(Bytes(100000, 0x91)), "malformed");  // nested arrays, deeper than the bound
  Bytes trailing = Msgpack({{"v", 1}});
  trailing.push_back(0);
  EXPECT_EQ(RefusalCode(trailing), "malformed");
}

}  // namespace
}  // namespace bangban
