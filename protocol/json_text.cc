#include "protocol/json_text.h"

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "crypto/error.h"

namespace bangban {
namespace {

// Builds the value from nlohmann's SAX events, so that depth and duplicate keys are checked as
// the text is read: nothing deeper than the limit is ever built, and no recursion depends on
// the input.
class BoundedBuilder : public nlohmann::json_sax<Json> {
 public:
  explicit BoundedBuilder(std::string_view what) : what_(what) {}

  Json TakeResult() { return std::move(root_); }

  bool null() override { return Put(Json(nullptr)); }
  bool boolean(bool value) override { return Put(Json(value)); }
  bool number_integer(number_integer_t value) override { return Put(Json(value)); }
  bool number_unsigned(number_unsigned_t value) override { return Put(Json(value)); }
  bool number_float(number_float_t value, const string_t& text) override {
    if (!std::isfinite(value)) Fail(Where() + "the number " + text + " is out of range");
    return Put(Json(value));
  }
  bool string(string_t& value) override { return Put(Json(std::move(value))); }
  bool binary(binary_t& value) override { return Put(Json::binary(std::move(value))); }

  bool start_object(std::size_t) override { return Open(Json::object()); }
  bool key(string_t& key) override {
    Level& level = levels_.back();
    if (!level.keys.insert(key).second) {
      level.key.clear();  // the path names the object, then the key
      Fail(Where() + "the key \"" + key + "\" appears twice");
    }
    level.key = key;
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(Json::array()); }
  bool end_array() override { return Close(); }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 1,
    // column 5: ..."; keep what a person can act on.
    std::string message = e.what();
    auto colon = message.find("] ");
    if (colon != std::string::npos) message = message.substr(colon + 2);
    Fail("not valid JSON at byte " + std::to_string(position) + " (" + message + ")");
  }

 private:
  struct Level {
    Json value;
    std::set<std::string> keys;
    std::string key;
  };

  [[noreturn]] void Fail(const std::string& why) const {
    throw Error(ErrorCode::kMalformed, what_.empty() ? why : std::string(what_) + ": " + why);
  }

  std::string Where() const {
    std::string path;
    for (const Level& level : levels_) {
      if (level.value.is_object() && !level.key.empty()) path += (path.empty() ? "" : ".") + level.key;
      if (level.value.is_array()) path += "[" + std::to_string(level.value.size()) + "]";
    }
    return path.empty() ? "" : path + ": ";
  }

  bool Put(Json value) {
    if (levels_.empty()) {
      root_ = std::move(value);
    } else if (levels_.back().value.is_object()) {
      levels_.back().value[levels_.back().key] = std::move(value);
    } else {
      levels_.back().value.push_back(std::move(value));
    }
    return true;
  }

  bool Open(Json container) {
    if (levels_.size() >= kMaxJsonNesting) {
      Fail(Where() + "nested deeper than " + std::to_string(kMaxJsonNesting) + " levels");
    }
    levels_.push_back({std::move(container), {}, {}});
    return true;
  }

  bool Close() {
    Json done = std::move(levels_.back().value);
    levels_.pop_back();
    return Put(std::move(done));
  }

  std::string_view what_;
  std::vector<Level> levels_;
  Json root_;
};

}  // namespace

Json ParseJsonText(std::string_view text, std::string_view what) {
  BoundedBuilder builder(what);
  Json::sax_parse(text.begin(), text.end(), &builder);
  return builder.TakeResult();
}

}  // namespace bangban
