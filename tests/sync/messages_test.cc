// The wire messages' encoders and decoders (sync/messages.h): round trips through real frames,
// and the refusals that name the field.
#include "sync/messages.h"

#include <gtest/gtest.h>

#include <limits>

#include "crypto/error.h"

namespace bangban {
namespace {

// Encodes as a sender does and decodes as a receiver does.
Json OverTheWire(const Json& message) { return DecodeMessage(EncodeMessage(message)); }

FeedPosition Position(uint8_t author, uint64_t seq) {
  FeedPosition p;
  p.author.fill(author);
  p.seq = seq;
  p.id.fill(static_cast<uint8_t>(author + 1));
  return p;
}

// The code and message of the Error that `decode` throws.
template <typename Decode>
std::pair<std::string, std::string> Refusal(Decode decode) {
  try {
    decode();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {"", "nothing thrown"};
}

TEST(MessagesTest, WelcomeRoundTripsAndAnOlderServersMissingGrantIsTheLargest) {
  WelcomeMessage sent;
  sent.heads = {Position(1, 3), Position(2, 0)};
  sent.offered = {Position(3, 9)};
  sent.tree_head = Bytes(148, 0x96);
  sent.grant = {2, 64 * 1024};
  WelcomeMessage got = WelcomeMessage::FromJson(OverTheWire(sent.ToJson()));
  ASSERT_EQ(got.heads.size(), 2u);
  EXPECT_EQ(got.heads[1].author, sent.heads[1].author);
  EXPECT_EQ(got.heads[1].seq, 0u);
  ASSERT_EQ(got.offered.size(), 1u);
  EXPECT_EQ(got.offered[0].id, sent.offered[0].id);
  EXPECT_EQ(got.tree_head, sent.tree_head);
  EXPECT_EQ(got.grant.window, 2u);
  EXPECT_EQ(got.grant.push_bytes, 64u * 1024);
  EXPECT_EQ(got.ToJson(), sent.ToJson());

  Json older = sent.ToJson();
  older.erase("window");
  older.erase("push_bytes");
  older.erase("tree_head");
  got = WelcomeMessage::FromJson(OverTheWire(older));
  EXPECT_EQ(got.grant.window, kFullGrant.window);
  EXPECT_EQ(got.grant.push_bytes, kFullGrant.push_bytes);
  EXPECT_FALSE(got.tree_head.has_value());
}

TEST(MessagesTest, AckCarriesBothFormsOfRejection) {
  AckMessage sent;
  sent.batch = 7;
  sent.heads = {Position(1, 3)};
  sent.accepted = 2;
  sent.duplicate = 1;
  sent.buffered = 1;
  RecordId id;
  id.fill(5);
  sent.rejections = {RecordRejection::AtIndex(4, "malformed", "push: each record must be binary"),
                     RecordRejection::OfRecord(id, 2, "forked", "two records at seq 2")};
  Json wire = OverTheWire(sent.ToJson());
  EXPECT_FALSE(wire.contains("tree_head"));
  EXPECT_EQ(
      wire["rejections"][0],
      Json({{"code", ErrorCode::kMalformed.name()}, {"index", 4}, {"message", "push: each record must be binary"}}));
  EXPECT_EQ(wire["rejections"][1].size(), 4u);
  AckMessage got = AckMessage::FromJson(wire);
  EXPECT_EQ(got.batch, 7u);
  EXPECT_EQ(got.accepted, 2u);
  EXPECT_EQ(got.duplicate, 1u);
  EXPECT_EQ(got.buffered, 1u);
  ASSERT_EQ(got.rejections.size(), 2u);
  EXPECT_EQ(got.rejections[0].index, 4u);
  EXPECT_FALSE(got.rejections[1].index.has_value());
  EXPECT_EQ(got.rejections[1].id, id);
  EXPECT_EQ(got.rejections[1].seq, 2u);
  EXPECT_EQ(got.rejections[1].code, "forked");
  EXPECT_EQ(got.ToJson(), sent.ToJson());
}

TEST(MessagesTest, PushEntriesThatAreNotRecordsAreRefusedOneByOne) {
  Json push = {{"type", "push"},
               {"batch", 3},
               {"records", Json::array({Json::binary(Bytes{1, 2}), "text", Json::binary(Bytes{3})})}};
  PushMessage got = PushMessage::FromJson(OverTheWire(push));
  EXPECT_EQ(got.batch, 3u);
  EXPECT_FALSE(got.evidence);
  ASSERT_EQ(got.records.size(), 3u);  // every index stays the wire's
  EXPECT_EQ(got.records[2], Bytes{3});
  EXPECT_TRUE(got.records[1].empty());
  EXPECT_EQ(got.RecordBytes(), 3u);
  ASSERT_EQ(got.unreadable.size(), 1u);
  EXPECT_EQ(got.unreadable[0].index, 1u);
  EXPECT_EQ(got.unreadable[0].code, "malformed");

  push["records"] = "not a list";
  got = PushMessage::FromJson(OverTheWire(push));
  EXPECT_TRUE(got.records.empty());
  ASSERT_EQ(got.unreadable.size(), 1u);
  EXPECT_EQ(got.unreadable[0].index, 0u);
  EXPECT_EQ(got.unreadable[0].message, "push: records must be a list");

  // Only an evidence push says so.
  PushMessage evidence;
  evidence.records = {Bytes{9}};
  EXPECT_FALSE(evidence.ToJson().contains("evidence"));
  evidence.evidence = true;
  EXPECT_EQ(evidence.ToJson()["evidence"], true);
  EXPECT_TRUE(PushMessage::FromJson(OverTheWire(evidence.ToJson())).evidence);
}

// An ack once echoed batch 2^64-1 as -1, and a negative batch was accepted: a batch is an
// unsigned integer end to end.
TEST(MessagesTest, ABatchIsUnsignedEndToEnd) {
  const uint64_t largest = std::numeric_limits<uint64_t>::max();
  PushMessage push =
      PushMessage::FromJson(OverTheWire({{"type", "push"}, {"batch", largest}, {"records", Json::array()}}));
  EXPECT_EQ(push.batch, largest);
  AckMessage ack;
  ack.batch = push.batch;
  const Json echoed = OverTheWire(ack.ToJson());
  EXPECT_TRUE(echoed["batch"].is_number_unsigned()) << echoed.dump();
  EXPECT_EQ(AckMessage::FromJson(echoed).batch, largest);
  auto [code, message] = Refusal([] { PushMessage::FromJson(OverTheWire({{"type", "push"}, {"batch", -1}})); });
  EXPECT_EQ(code, "malformed");
  EXPECT_EQ(message, "batch: must be an unsigned integer");
}

TEST(MessagesTest, DecodingNamesTheFieldThatIsWrong) {
  auto [code, message] = Refusal([] { PushMessage::FromJson(OverTheWire({{"type", "push"}, {"batch", "one"}})); });
  EXPECT_EQ(code, "malformed");
  EXPECT_EQ(message, "batch: must be an unsigned integer");

  std::tie(code, message) = Refusal([] { ProveMessage::FromJson(OverTheWire({{"type", "prove"}})); });
  EXPECT_EQ(message, "id: must be 32 bytes");
  std::tie(code, message) = Refusal([] {
    ProveMessage::FromJson(OverTheWire({{"type", "prove"}, {"id", Json::binary(Bytes(31))}}));
  });
  EXPECT_EQ(message, "id: must be 32 bytes");

  std::tie(code, message) = Refusal([] { PullMessage::FromJson(OverTheWire({{"type", "pull"}, {"feeds", 1}})); });
  EXPECT_EQ(message, "feeds: must be a list");

  std::tie(code, message) = Refusal([] {
    AckMessage::FromJson(OverTheWire({{"type", "ack"}, {"rejections", Json::array({Json::object({{"code", 5}})})}}));
  });
  EXPECT_EQ(code, "malformed");
  EXPECT_EQ(message.rfind("rejections: ", 0), 0u) << message;

  std::tie(code, message) = Refusal([] {
    RecordsMessage::FromJson(OverTheWire({{"type", "records"}, {"records", Json::array({"text"})}}));
  });
  EXPECT_EQ(message, "records: must be a list of bin");

  std::tie(code, message) = Refusal([] { WelcomeMessage::FromJson(OverTheWire({{"type", "ack"}})); });
  EXPECT_EQ(code, "malformed");
  EXPECT_NE(message.find("welcome"), std::string::npos) << message;

  std::tie(code, message) = Refusal([] { ReceiptMessage::FromJson(OverTheWire({{"type", "receipt"}})); });
  EXPECT_EQ(code, "malformed");
}

TEST(MessagesTest, AHelloNamesAtMostTheBoundOfFeeds) {
  HelloMessage hello;
  hello.heads.assign(kMaxHeadsPerHello, Position(1, 1));
  EXPECT_EQ(HelloMessage::FromJson(OverTheWire(hello.ToJson())).heads.size(), kMaxHeadsPerHello);
  hello.heads.push_back(Position(2, 1));
  Bytes frame = EncodeMessage(hello.ToJson());
  EXPECT_LE(frame.size(), kMaxMessageBytes);
  auto [code, message] = Refusal([&] { HelloMessage::FromJson(DecodeMessage(frame)); });
  EXPECT_EQ(code, "too_large");
}

TEST(MessagesTest, ErrorAndRecordsAnswersRoundTrip) {
  ErrorMessage error =
      ErrorMessage::FromJson(OverTheWire(ErrorMessage{"not_allowed", "feed 4f1c cannot be pulled"}.ToJson()));
  EXPECT_EQ(error.code, "not_allowed");
  EXPECT_EQ(error.message, "feed 4f1c cannot be pulled");
  error = ErrorMessage::FromJson(OverTheWire({{"type", "error"}}));
  EXPECT_EQ(error.code, "error");  // a server that gave no code

  RecordsMessage records =
      RecordsMessage::FromJson(OverTheWire(RecordsMessage{{Bytes{1}, Bytes{2, 3}}, true}.ToJson()));
  ASSERT_EQ(records.records.size(), 2u);
  EXPECT_EQ(records.records[1], (Bytes{2, 3}));
  EXPECT_TRUE(records.more);
}

}  // namespace
}  // namespace bangban
