#include "protocol/text_safety.h"

#include <array>
#include <cstdio>

namespace bangban {

namespace {

// The code point starting at text[i] and its length in bytes; a byte that starts no sequence
// counts as itself (it is refused elsewhere as invalid UTF-8).
std::pair<uint32_t, size_t> CodePointAt(std::string_view text, size_t i) {
  const auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(text[k])); };
  const uint32_t b0 = b(i);
  const size_t left = text.size() - i;
  if (b0 >= 0xC0 && b0 < 0xE0 && left >= 2) return {(b0 & 0x1F) << 6 | (b(i + 1) & 0x3F), 2};
  if (b0 >= 0xE0 && b0 < 0xF0 && left >= 3) return {(b0 & 0x0F) << 12 | (b(i + 1) & 0x3F) << 6 | (b(i + 2) & 0x3F), 3};
  if (b0 >= 0xF0 && left >= 4) {
    return {(b0 & 0x07) << 18 | (b(i + 1) & 0x3F) << 12 | (b(i + 2) & 0x3F) << 6 | (b(i + 3) & 0x3F), 4};
  }
  return {b0, 1};
}

std::string Named(uint32_t cp, std::string_view what) {
  std::array<char, 16> hex{};
  std::snprintf(hex.data(), hex.size(), "U+%04X", static_cast<unsigned>(cp));
  return std::string(hex.data()) + " (" + std::string(what) + ")";
}

bool IsFreeText(std::string_view field) {
  return field == "text" || field == "note" || field == "reason" || field == "address";
}

std::string Find(const Json& value, const std::string& path, bool multiline) {
  if (value.is_string()) {
    const std::string problem = UnsafeCodePoint(value.get_ref<const std::string&>(), multiline);
    return problem.empty() ? "" : path + ": " + problem;
  }
  if (value.is_object()) {
    for (const auto& item : value.items()) {
      const std::string& key = item.key();
      std::string problem = Find(item.value(), path.empty() ? key : path + "." + key, IsFreeText(key));
      if (!problem.empty()) return problem;
    }
  }
  if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      std::string problem = Find(value[i], path + "[" + std::to_string(i) + "]", multiline);
      if (!problem.empty()) return problem;
    }
  }
  return "";
}

}  // namespace

std::string UnsafeCodePoint(std::string_view text, bool multiline) {
  for (size_t i = 0; i < text.size();) {
    const auto [cp, size] = CodePointAt(text, i);
    i += size;
    if (cp < 0x20) {
      if (multiline && (cp == '\n' || cp == '\t')) continue;
      return Named(cp, "a control character");
    }
    if (cp >= 0x7F && cp <= 0x9F) return Named(cp, "a control character");
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) return Named(cp, "a bidirectional control");
  }
  return "";
}

std::string UnsafeTextInBody(const Json& body) { return Find(body, "", false); }

}  // namespace bangban
