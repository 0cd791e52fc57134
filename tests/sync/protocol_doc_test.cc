// docs/protocol.md against sync/messages.h, so that the page a second implementation is written
// from cannot drift from the code: every message's field table (names, types, which are
// optional), the two forms of a rejection, and the worked example's messages, which are parsed
// from the page, decoded with the message types and encoded again.
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "crypto/error.h"
#include "sync/messages.h"

namespace bangban {
namespace {

constexpr std::string_view kEllipsis = "\u2026";  // "…": the page's "and so on"
constexpr std::string_view kRule = "\u2500";      // "─": the example's frame separators

std::string ReadProtocolPage() {
  std::ifstream in(std::string(BANGBAN_SOURCE_DIR) + "/docs/protocol.md");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Trim(std::string_view s) {
  size_t from = s.find_first_not_of(" \t");
  if (from == std::string_view::npos) return "";
  size_t to = s.find_last_not_of(" \t");
  return std::string(s.substr(from, to - from + 1));
}

// The lines of the section under `heading` (a whole line), up to the next heading of the same
// or a higher level.
std::vector<std::string> Section(const std::vector<std::string>& lines, const std::string& heading) {
  const size_t level = heading.find(' ');
  std::vector<std::string> out;
  bool inside = false;
  for (const std::string& line : lines) {
    if (inside) {
      size_t hashes = line.find_first_not_of('#');
      if (hashes > 0 && hashes != std::string::npos && hashes <= level && line[hashes] == ' ') break;
      out.push_back(line);
    } else if (line == heading) {
      inside = true;
    }
  }
  return out;
}

// ---- what the code sends ---------------------------------------------------------------------

FeedPosition SomePosition() {
  FeedPosition p;
  p.author.fill(0x4f);
  p.seq = 3;
  p.id.fill(0x9a);
  return p;
}

Receipt SomeReceipt() {
  Receipt r;
  r.head.hub.fill(0xec);
  r.head.size = 1236;
  r.head.root.fill(0x58);
  r.head.timestamp_ms = 1772413230438;
  r.head.signature.fill(0x25);
  r.id.fill(0x9a);
  r.index = 1235;
  r.received_ms = 1772413230437;
  r.path.push_back(Hash32{});
  return r;
}

// Every message of the protocol with every field set (`full`), or only what it always carries.
Json Sample(std::string_view type, bool full) {
  const Bytes tree_head(148, 0x96);
  if (type == HelloMessage::kType) return HelloMessage{kSyncVersion, {SomePosition()}}.ToJson();
  if (type == WelcomeMessage::kType) {
    WelcomeMessage m{kSyncVersion, {SomePosition()}, {SomePosition()}, std::nullopt, kFullGrant};
    if (full) m.tree_head = tree_head;
    return m.ToJson();
  }
  if (type == PushMessage::kType) {
    PushMessage m;
    m.batch = 1;
    m.records.push_back(Bytes(412, 0x92));
    m.evidence = full;
    return m.ToJson();
  }
  if (type == AckMessage::kType) {
    AckMessage m;
    m.batch = 1;
    m.heads.push_back(SomePosition());
    m.rejections.push_back(RecordRejection::OfRecord(SomePosition().id, 2, "forked", "two records at seq 2"));
    if (full) m.tree_head = tree_head;
    return m.ToJson();
  }
  if (type == PullMessage::kType) return PullMessage{{SomePosition()}}.ToJson();
  if (type == RecordsMessage::kType) return RecordsMessage{{Bytes(301, 0x92)}, true}.ToJson();
  if (type == ProveMessage::kType) return ProveMessage{SomePosition().id}.ToJson();
  if (type == ReceiptMessage::kType) return ReceiptMessage{SomeReceipt()}.ToJson();
  if (type == ErrorMessage::kType) return ErrorMessage{"not_found", "record 9a9a… is not held by this hub"}.ToJson();
  ADD_FAILURE() << "no sample of a \"" << type << "\" message";
  return Json::object();
}

const std::vector<std::string> kMessageTypes = {"hello",   "welcome", "push",    "ack",  "pull",
                                                "records", "prove",   "receipt", "error"};

// Decodes a message with its type's decoder and encodes it again.
Json RoundTrip(const Json& message) {
  const std::string& type = MessageType(message);
  if (type == HelloMessage::kType) return HelloMessage::FromJson(message).ToJson();
  if (type == WelcomeMessage::kType) return WelcomeMessage::FromJson(message).ToJson();
  if (type == PushMessage::kType) return PushMessage::FromJson(message).ToJson();
  if (type == AckMessage::kType) return AckMessage::FromJson(message).ToJson();
  if (type == PullMessage::kType) return PullMessage::FromJson(message).ToJson();
  if (type == RecordsMessage::kType) return RecordsMessage::FromJson(message).ToJson();
  if (type == ProveMessage::kType) return ProveMessage::FromJson(message).ToJson();
  if (type == ReceiptMessage::kType) return ReceiptMessage::FromJson(message).ToJson();
  if (type == ErrorMessage::kType) return ErrorMessage::FromJson(message).ToJson();
  throw Error(ErrorCode::kMalformed, "no message type \"" + type + "\"");
}

// A value's kind as the wire sees it (a non-negative integer is always a uint there), with a
// map's keys and a list's first element: what the page's abbreviated values still show.
Json Shape(const Json& value) {
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [key, child] : value.items()) out[key] = Shape(child);
    return out;
  }
  if (value.is_array()) return value.empty() ? Json::array() : Json::array({Shape(value[0])});
  if (value.is_string()) return "str";
  if (value.is_boolean()) return "bool";
  if (value.is_binary()) return "bin";
  if (value.is_number_unsigned() || (value.is_number_integer() && value.get<int64_t>() >= 0)) return "uint";
  return value.type_name();
}

// Whether `value` is of the kind a field table's type column names ("str", "[position]", ...).
bool IsOfKind(const Json& value, const std::string& kind) {
  auto is_bin = [](const Json& v, size_t size) {
    return v.is_binary() && (size == 0 || v.get_binary().size() == size);
  };
  auto list_of = [&](auto&& element) {
    if (!value.is_array() || value.empty()) return false;
    for (const Json& v : value) {
      if (!element(v)) return false;
    }
    return true;
  };
  if (kind == "str") return value.is_string();
  if (kind == "uint") return value.is_number_unsigned();
  if (kind == "bool") return value.is_boolean();
  if (kind == "bin") return is_bin(value, 0);
  if (kind == "bin(32)") return is_bin(value, 32);
  if (kind == "map") return value.is_object();
  if (kind == "[bin]") return list_of([&](const Json& v) { return is_bin(v, 0); });
  if (kind == "[map]") return list_of([](const Json& v) { return v.is_object(); });
  if (kind == "[position]") {
    return list_of([&](const Json& v) {
      return v.is_array() && v.size() == 3 && is_bin(v[0], 32) && v[1].is_number_unsigned() && is_bin(v[2], 32);
    });
  }
  ADD_FAILURE() << "the page names a type the test does not know: " << kind;
  return false;
}

// ---- the page's notation ---------------------------------------------------------------------

// The worked example writes messages as JSON with msgpack's bin: `bin(N)` followed by a
// description of the bytes (`4f1c…` for a key beginning 4f 1c, `92 c5 01 56 …`), `…` alone for
// list entries left out, and `# comments`. Parses one such message; binary values get N bytes
// (beginning with the hex digits the description starts with). Map keys must be in wire order
// (bytewise sorted), as the page says they are.
class NotationParser {
 public:
  explicit NotationParser(std::string text) : text_(std::move(text)) {}

  Json ParseMessage() {
    Json value = Value();
    SkipSpace();
    if (pos_ != text_.size()) Fail("text after the message");
    return value;
  }

 private:
  [[noreturn]] void Fail(const std::string& why) const {
    throw std::runtime_error(why + " at \"" + text_.substr(pos_, 40) + "\"");
  }

  void SkipSpace() {
    while (pos_ < text_.size()) {
      if (std::isspace(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      } else if (text_[pos_] == '#') {
        pos_ = std::min(text_.size(), text_.find('\n', pos_));
      } else {
        return;
      }
    }
  }

  bool Take(std::string_view token) {
    SkipSpace();
    if (text_.compare(pos_, token.size(), token) != 0) return false;
    pos_ += token.size();
    return true;
  }

  Json Value() {
    SkipSpace();
    if (Take("{")) return Map();
    if (Take("[")) return List();
    if (Take("bin(")) return Binary();
    if (Take("true")) return true;
    if (Take("false")) return false;
    if (pos_ < text_.size() && text_[pos_] == '"') return String();
    if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      size_t end = pos_;
      while (end < text_.size() && std::isdigit(static_cast<unsigned char>(text_[end]))) ++end;
      uint64_t number = std::stoull(text_.substr(pos_, end - pos_));
      pos_ = end;
      return number;
    }
    Fail("not a value");
  }

  Json Map() {
    Json map = Json::object();
    std::string previous;
    if (Take("}")) return map;
    do {
      SkipSpace();
      std::string key = String().get<std::string>();
      if (!map.empty() && key <= previous)
        Fail("key \"" + key + "\" is not in wire order (after \"" + previous + "\")");
      previous = key;
      if (!Take(":")) Fail("no ':' after a key");
      map[key] = Value();
    } while (Take(","));
    if (!Take("}")) Fail("no '}' closing a map");
    return map;
  }

  Json List() {
    Json list = Json::array();
    if (Take("]")) return list;
    do {
      if (Take(kEllipsis)) continue;  // entries left out
      list.push_back(Value());
    } while (Take(","));
    if (!Take("]")) Fail("no ']' closing a list");
    return list;
  }

  Json String() {
    if (pos_ >= text_.size() || text_[pos_] != '"') Fail("not a string");
    size_t end = pos_ + 1;
    while (end < text_.size() && text_[end] != '"') end += text_[end] == '\\' ? 2 : 1;
    if (end >= text_.size()) Fail("unterminated string");
    Json value = Json::parse(text_.substr(pos_, end + 1 - pos_));
    pos_ = end + 1;
    return value;
  }

  // After "bin(": the size, ")", then the description up to the next ',', ']' or '}'.
  Json Binary() {
    size_t close = text_.find(')', pos_);
    if (close == std::string::npos) Fail("no ')' after bin(");
    Bytes bytes(std::stoul(text_.substr(pos_, close - pos_)), 0);
    pos_ = close + 1;
    SkipSpace();
    size_t end = text_.find_first_of(",]}#\n", pos_);
    std::string description = Trim(text_.substr(pos_, end - pos_));
    pos_ = end;
    // "4f1c…": the first bytes of a key or id, so that different keys stay different.
    size_t hex_end = description.find_first_not_of("0123456789abcdef");
    if (hex_end != std::string::npos && description.compare(hex_end, kEllipsis.size(), kEllipsis) == 0) {
      for (size_t i = 0; i + 1 < hex_end && i / 2 < bytes.size(); i += 2) {
        bytes[i / 2] = static_cast<uint8_t>(std::stoul(description.substr(i, 2), nullptr, 16));
      }
    }
    return Json::binary(std::move(bytes));
  }

  std::string text_;
  size_t pos_ = 0;
};

// The worked example's frames, each as the page writes it (with its comments).
std::vector<std::string> ExampleFrames(const std::vector<std::string>& lines) {
  std::vector<std::string> frames;
  bool in_code = false;
  std::string* frame = nullptr;
  for (const std::string& line : Section(lines, "## Worked example")) {
    if (line.starts_with("```")) {
      in_code = !in_code;
      frame = nullptr;
      continue;
    }
    if (!in_code) continue;
    if (line.starts_with(kRule)) {
      // "── who → whom ───" opens a frame; "── who → whom ── {…}" opens one on the same line.
      size_t label_end = line.find(std::string(kRule) + std::string(kRule), kRule.size());
      std::string rest;
      if (label_end != std::string::npos) {
        size_t after = line.find_first_not_of(std::string(kRule), label_end);
        while (after != std::string::npos && line.compare(after, kRule.size(), kRule) == 0) after += kRule.size();
        if (after != std::string::npos) rest = Trim(line.substr(after));
      }
      frame = &frames.emplace_back(rest + "\n");
      continue;
    }
    if (frame != nullptr) *frame += line + "\n";
  }
  std::erase_if(frames, [](const std::string& f) { return Trim(f).find_first_not_of("\n") == std::string::npos; });
  return frames;
}

// ---- the tests -------------------------------------------------------------------------------

struct FieldRow {
  std::string kind;  // the type column without ", optional"
  bool optional = false;
};

// The field table of `### \`type\` — …` in "## Messages".
std::map<std::string, FieldRow> FieldTable(const std::vector<std::string>& lines, const std::string& type) {
  std::vector<std::string> messages = Section(lines, "## Messages");
  std::string heading;
  for (const std::string& line : messages) {
    if (line.starts_with("### `" + type + "`")) heading = line;
  }
  std::map<std::string, FieldRow> table;
  if (heading.empty()) return table;
  for (const std::string& line : Section(messages, heading)) {
    if (!line.starts_with("| `")) continue;
    std::vector<std::string> cells;
    std::istringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) cells.push_back(Trim(cell));
    if (cells.size() < 3) continue;
    std::string name = cells[0].substr(1, cells[0].find('`', 1) - 1);
    std::string kind = cells[1];
    FieldRow field;
    field.optional = kind.find("optional") != std::string::npos;
    field.kind = Trim(kind.substr(0, kind.find(',')));
    table[name] = field;
  }
  return table;
}

TEST(ProtocolDocTest, EveryMessageTableListsExactlyTheFieldsTheCodeWrites) {
  const std::vector<std::string> lines = Lines(ReadProtocolPage());
  ASSERT_FALSE(lines.empty()) << "docs/protocol.md not found under " << BANGBAN_SOURCE_DIR;
  for (const std::string& type : kMessageTypes) {
    SCOPED_TRACE("message \"" + type + "\"");
    std::map<std::string, FieldRow> table = FieldTable(lines, type);
    ASSERT_FALSE(table.empty()) << "docs/protocol.md has no field table for it";
    const Json full = Sample(type, /*full=*/true);
    const Json minimal = Sample(type, /*full=*/false);
    std::set<std::string> documented, written;
    for (const auto& [name, field] : table) documented.insert(name);
    for (const auto& [name, value] : full.items()) written.insert(name);
    EXPECT_EQ(documented, written);
    for (const auto& [name, field] : table) {
      if (!full.contains(name)) continue;
      EXPECT_TRUE(IsOfKind(full[name], field.kind))
          << name << " is documented as " << field.kind << " but written as " << full[name].dump();
      EXPECT_EQ(field.optional, !minimal.contains(name))
          << name
          << (field.optional ? " is documented as optional but always written"
                             : " is not documented as optional but not always written");
    }
    EXPECT_EQ(full["type"], type);
  }
}

TEST(ProtocolDocTest, RejectionFormsAreTheOnesTheCodeWrites) {
  // "{code: str, index: uint, message: str}" and "{code: str, id: bin(32), message: str, seq: uint}".
  std::set<std::string> documented;
  for (const std::string& line :
       Section(Lines(ReadProtocolPage()), "### `ack` — server → client, answers one `push`")) {
    for (size_t open = line.find("`{code:"); open != std::string::npos; open = line.find("`{code:", open + 1)) {
      std::string form = line.substr(open + 1, line.find("}`", open) - open);
      if (form.find('"') == std::string::npos) documented.insert(form);  // not an example value
    }
  }
  auto form = [](const Json& rejection) {
    std::string out = "{";
    for (const auto& [name, value] : rejection.items()) {
      std::string kind = value.is_string()   ? "str"
                         : value.is_binary() ? "bin(" + std::to_string(value.get_binary().size()) + ")"
                                             : "uint";
      out += (out.size() > 1 ? ", " : "") + name + ": " + kind;
    }
    return out + "}";
  };
  RecordId id{};
  std::set<std::string> written = {form(RecordRejection::AtIndex(3, "malformed", "m").ToJson()),
                                   form(RecordRejection::OfRecord(id, 2, "forked", "m").ToJson())};
  EXPECT_EQ(documented, written);
}

TEST(ProtocolDocTest, WorkedExampleDecodesAndEncodesAsThePageShowsIt) {
  std::vector<std::string> frames = ExampleFrames(Lines(ReadProtocolPage()));
  std::vector<std::string> types;
  for (const std::string& frame : frames) {
    SCOPED_TRACE(frame);
    Json shown;
    try {
      shown = NotationParser(frame).ParseMessage();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "the page's message does not parse: " << e.what();
      continue;
    }
    ASSERT_TRUE(shown.contains("type") && shown["type"].is_string());
    const std::string type = shown["type"];
    types.push_back(type);
    if (type == ReceiptMessage::kType) {
      // The page abbreviates the receipt's hex strings: compare what it still shows.
      EXPECT_EQ(Shape(shown), Shape(Sample(type, true)));
      continue;
    }
    // The same message comes out of the code as the page shows it: no field the code would
    // drop (unknown to it) or add (missing on the page), every value of the type and size the
    // decoder requires.
    try {
      EXPECT_EQ(RoundTrip(shown), shown) << "as the page shows it: " << shown.dump();
    } catch (const Error& e) {
      ADD_FAILURE() << "the message types refuse the page's message: " << e.code() << ": " << e.what();
    }
  }
  // One exchange and a receipt: every message but error, in the order they are sent.
  EXPECT_EQ(types,
            (std::vector<std::string>{"hello", "welcome", "push", "ack", "pull", "records", "prove", "receipt"}));
}

TEST(ProtocolDocTest, WorkedExampleHelloShowsItsWireBytes) {
  // The hello's comments spell its first bytes ("83 (map of 3)", "a5 \"heads\"  92", ...): they
  // must appear, in order, in what the code encodes for that hello.
  std::vector<std::string> frames = ExampleFrames(Lines(ReadProtocolPage()));
  ASSERT_FALSE(frames.empty());
  const std::string& frame = frames.front();
  Bytes encoded = EncodeMessage(HelloMessage::FromJson(NotationParser(frame).ParseMessage()).ToJson());
  Bytes annotated;
  auto is_byte = [](const std::string& word) {
    return word.size() == 2 && std::isxdigit(static_cast<unsigned char>(word[0])) &&
           std::isxdigit(static_cast<unsigned char>(word[1]));
  };
  // Comments that begin with a byte ("# a4 \"type\"  a5 \"hello\""), up to the first word that
  // is neither a byte nor a quoted string ("(map of 3)").
  for (const std::string& line : Lines(frame)) {
    size_t hash = line.find('#');
    if (hash == std::string::npos) continue;
    std::istringstream words(line.substr(hash + 1));
    std::string word;
    if (!(words >> word) || !is_byte(word)) continue;
    do {
      if (is_byte(word)) {
        annotated.push_back(static_cast<uint8_t>(std::stoul(word, nullptr, 16)));
      } else if (word.size() >= 2 && word.front() == '"' && word.back() == '"') {
        annotated.insert(annotated.end(), word.begin() + 1, word.end() - 1);
      } else {
        break;
      }
    } while (words >> word);
  }
  ASSERT_GE(annotated.size(), 10u) << "the hello's comments no longer spell its bytes";
  size_t at = 0;
  for (uint8_t byte : encoded) {
    if (at < annotated.size() && annotated[at] == byte) ++at;
  }
  EXPECT_EQ(at, annotated.size()) << "the comments' bytes are not in the encoding, in order, from byte " << at;
  EXPECT_EQ(encoded.front(), annotated.front());
  EXPECT_EQ(encoded.back(), annotated.back());
}

}  // namespace
}  // namespace bangban
