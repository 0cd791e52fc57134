#include "sync/messages.h"

#include <cstring>

#include "crypto/error.h"

namespace bangban {

namespace {

[[noreturn]] void Malformed(std::string_view field, std::string_view why) {
  throw Error(ErrorCode::kMalformed, std::string(field) + ": " + std::string(why));
}

void ExpectType(const Json& message, std::string_view type) {
  const std::string& got = MessageType(message);
  if (got != type) {
    throw Error(ErrorCode::kMalformed, "expected a \"" + std::string(type) + "\" message, got \"" + got + "\"");
  }
}

// The member `key` of a message, or nullptr when it is absent.
const Json* Field(const Json& message, std::string_view key) {
  auto it = message.find(std::string(key));
  return it == message.end() ? nullptr : &*it;
}

bool IsUint(const Json& value) {
  return value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0);
}

uint64_t Uint(const Json& message, std::string_view key) {
  const Json* value = Field(message, key);
  if (value == nullptr) return 0;
  if (!IsUint(*value)) Malformed(key, "must be an unsigned integer");
  return value->get<uint64_t>();
}

bool Bool(const Json& message, std::string_view key) {
  const Json* value = Field(message, key);
  if (value == nullptr) return false;
  if (!value->is_boolean()) Malformed(key, "must be true or false");
  return value->get<bool>();
}

std::string Str(const Json& message, std::string_view key, std::string missing = "") {
  const Json* value = Field(message, key);
  if (value == nullptr) return missing;
  if (!value->is_string()) Malformed(key, "must be a string");
  return value->get<std::string>();
}

std::optional<Bytes> OptionalBin(const Json& message, std::string_view key) {
  const Json* value = Field(message, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_binary()) Malformed(key, "must be bin");
  return value->get_binary();
}

template <size_t N>
std::array<uint8_t, N> Fixed(const Json& value, std::string_view field) {
  if (!value.is_binary() || value.get_binary().size() != N) {
    Malformed(field, "must be " + std::to_string(N) + " bytes");
  }
  std::array<uint8_t, N> out;
  std::memcpy(out.data(), value.get_binary().data(), N);
  return out;
}

Json Bin(ByteView bytes) { return Json::binary(Bytes(bytes.begin(), bytes.end())); }

Json BinList(const std::vector<Bytes>& list) {
  Json out = Json::array();
  for (const Bytes& bytes : list) out.push_back(Json::binary(bytes));
  return out;
}

std::vector<Bytes> BinListFrom(const Json& message, std::string_view key) {
  std::vector<Bytes> out;
  const Json* list = Field(message, key);
  if (list == nullptr) return out;
  if (!list->is_array()) Malformed(key, "must be a list of bin");
  for (const Json& item : *list) {
    if (!item.is_binary()) Malformed(key, "must be a list of bin");
    out.push_back(item.get_binary());
  }
  return out;
}

// A feed position is [author: bin(32), seq: uint, id: bin(32)].
Json PositionsToJson(const std::vector<FeedPosition>& positions) {
  Json list = Json::array();
  for (const FeedPosition& p : positions) list.push_back(Json::array({Bin(p.author), p.seq, Bin(p.id)}));
  return list;
}

std::vector<FeedPosition> Positions(const Json& message, std::string_view key) {
  std::vector<FeedPosition> out;
  const Json* list = Field(message, key);
  if (list == nullptr) return out;
  if (!list->is_array()) Malformed(key, "must be a list");
  out.reserve(list->size());
  for (const Json& item : *list) {
    if (!item.is_array() || item.size() != 3 || !item[1].is_number_unsigned()) {
      Malformed(key, "each entry is [author, seq, id]");
    }
    out.push_back({Fixed<32>(item[0], key), item[1].get<uint64_t>(), Fixed<32>(item[2], key)});
  }
  return out;
}

Json TypeAndFields(std::string_view type, Json fields) {
  fields["type"] = std::string(type);
  return fields;
}

}  // namespace

const std::string& MessageType(const Json& message) { return message.at("type").get_ref<const std::string&>(); }

// ---- hello / welcome ------------------------------------------------------------------------

Json HelloMessage::ToJson() const { return TypeAndFields(kType, {{"v", version}, {"heads", PositionsToJson(heads)}}); }

HelloMessage HelloMessage::FromJson(const Json& message) {
  ExpectType(message, kType);
  HelloMessage hello;
  hello.version = Uint(message, "v");
  hello.heads = Positions(message, "heads");
  if (hello.heads.size() > kMaxHeadsPerHello) {
    throw Error(ErrorCode::kTooLarge, "hello: at most " + std::to_string(kMaxHeadsPerHello) +
                                          " heads per hello; send the rest in further hellos");
  }
  return hello;
}

Json WelcomeMessage::ToJson() const {
  Json json = TypeAndFields(kType, {{"v", version},
                                    {"heads", PositionsToJson(heads)},
                                    {"offered", PositionsToJson(offered)},
                                    {"window", grant.window},
                                    {"push_bytes", grant.push_bytes}});
  if (tree_head) json["tree_head"] = Bin(*tree_head);
  return json;
}

WelcomeMessage WelcomeMessage::FromJson(const Json& message) {
  ExpectType(message, kType);
  WelcomeMessage welcome;
  welcome.version = Uint(message, "v");
  welcome.heads = Positions(message, "heads");
  welcome.offered = Positions(message, "offered");
  welcome.tree_head = OptionalBin(message, "tree_head");
  if (Field(message, "window")) welcome.grant.window = Uint(message, "window");
  if (Field(message, "push_bytes")) welcome.grant.push_bytes = Uint(message, "push_bytes");
  return welcome;
}

// ---- push / ack -----------------------------------------------------------------------------

RecordRejection RecordRejection::AtIndex(uint64_t index, std::string code, std::string message) {
  RecordRejection r;
  r.code = std::move(code);
  r.message = std::move(message);
  r.index = index;
  return r;
}

RecordRejection RecordRejection::OfRecord(const RecordId& id, uint64_t seq, std::string code, std::string message) {
  RecordRejection r;
  r.code = std::move(code);
  r.message = std::move(message);
  r.id = id;
  r.seq = seq;
  return r;
}

Json RecordRejection::ToJson() const {
  if (index) return {{"index", *index}, {"code", code}, {"message", message}};
  return {{"id", Bin(id)}, {"seq", seq}, {"code", code}, {"message", message}};
}

RecordRejection RecordRejection::FromJson(const Json& entry) {
  constexpr std::string_view kField = "rejections";
  if (!entry.is_object()) Malformed(kField, "each entry is a map");
  RecordRejection r;
  try {
    r.code = Str(entry, "code");
    r.message = Str(entry, "message");
    if (Field(entry, "index")) {
      r.index = Uint(entry, "index");
    } else {
      if (const Json* id = Field(entry, "id")) r.id = Fixed<32>(*id, "id");
      r.seq = Uint(entry, "seq");
    }
  } catch (const Error& e) {
    Malformed(kField, e.what());
  }
  return r;
}

size_t PushMessage::RecordBytes() const {
  size_t bytes = 0;
  for (const Bytes& record : records) bytes += record.size();
  return bytes;
}

Json PushMessage::ToJson() const {
  Json json = TypeAndFields(kType, {{"batch", batch}, {"records", BinList(records)}});
  if (evidence) json["evidence"] = true;
  return json;
}

PushMessage PushMessage::FromJson(const Json& message) {
  ExpectType(message, kType);
  PushMessage push;
  push.batch = Uint(message, "batch");
  push.evidence = Bool(message, "evidence");
  const Json* list = Field(message, "records");
  if (list == nullptr) return push;
  if (!list->is_array()) {
    push.unreadable.push_back(RecordRejection::AtIndex(0, "malformed", "push: records must be a list"));
    return push;
  }
  push.records.resize(list->size());
  for (size_t i = 0; i < list->size(); ++i) {
    if ((*list)[i].is_binary()) {
      push.records[i] = (*list)[i].get_binary();
    } else {
      push.unreadable.push_back(RecordRejection::AtIndex(i, "malformed", "push: each record must be binary"));
    }
  }
  return push;
}

Json AckMessage::ToJson() const {
  Json list = Json::array();
  for (const RecordRejection& r : rejections) list.push_back(r.ToJson());
  Json json = TypeAndFields(kType, {{"batch", batch},
                                    {"heads", PositionsToJson(heads)},
                                    {"accepted", accepted},
                                    {"duplicate", duplicate},
                                    {"buffered", buffered},
                                    {"rejections", std::move(list)}});
  if (tree_head) json["tree_head"] = Bin(*tree_head);
  return json;
}

AckMessage AckMessage::FromJson(const Json& message) {
  ExpectType(message, kType);
  AckMessage ack;
  ack.batch = Uint(message, "batch");
  ack.heads = Positions(message, "heads");
  ack.accepted = Uint(message, "accepted");
  ack.duplicate = Uint(message, "duplicate");
  ack.buffered = Uint(message, "buffered");
  if (const Json* list = Field(message, "rejections")) {
    if (!list->is_array()) Malformed("rejections", "must be a list");
    for (const Json& entry : *list) ack.rejections.push_back(RecordRejection::FromJson(entry));
  }
  ack.tree_head = OptionalBin(message, "tree_head");
  return ack;
}

// ---- pull / records -------------------------------------------------------------------------

Json PullMessage::ToJson() const { return TypeAndFields(kType, {{"feeds", PositionsToJson(feeds)}}); }

PullMessage PullMessage::FromJson(const Json& message) {
  ExpectType(message, kType);
  PullMessage pull;
  pull.feeds = Positions(message, "feeds");
  return pull;
}

Json RecordsMessage::ToJson() const { return TypeAndFields(kType, {{"records", BinList(records)}, {"more", more}}); }

RecordsMessage RecordsMessage::FromJson(const Json& message) {
  ExpectType(message, kType);
  RecordsMessage answer;
  answer.records = BinListFrom(message, "records");
  answer.more = Bool(message, "more");
  return answer;
}

// ---- prove / receipt ------------------------------------------------------------------------

Json ProveMessage::ToJson() const { return TypeAndFields(kType, {{"id", Bin(id)}}); }

ProveMessage ProveMessage::FromJson(const Json& message) {
  ExpectType(message, kType);
  const Json* id = Field(message, "id");
  ProveMessage prove;
  prove.id = Fixed<32>(id ? *id : Json(), "id");
  return prove;
}

Json ReceiptMessage::ToJson() const { return TypeAndFields(kType, {{"receipt", receipt.ToJson()}}); }

ReceiptMessage ReceiptMessage::FromJson(const Json& message) {
  ExpectType(message, kType);
  const Json* receipt = Field(message, "receipt");
  if (receipt == nullptr) Malformed("receipt", "missing");
  return {Receipt::FromJson(*receipt)};
}

// ---- error ----------------------------------------------------------------------------------

Json ErrorMessage::ToJson() const { return TypeAndFields(kType, {{"code", code}, {"message", message}}); }

ErrorMessage ErrorMessage::FromJson(const Json& message) {
  ExpectType(message, kType);
  return {Str(message, "code", "error"), Str(message, "message")};
}

}  // namespace bangban
