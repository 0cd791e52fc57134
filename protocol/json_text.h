// JSON text from outside (a helper's submit lines, a receipt file, a stored settings document),
// parsed with the limits every decoder in bangban has: bounded nesting, no duplicate keys (a
// second "fee_cents" or "type" must not silently win), and numbers that fit.
#pragma once

#include <string_view>

#include "protocol/schema.h"

namespace bangban {

// Objects and arrays nest at most this deep in JSON text; record bodies need far less.
inline constexpr size_t kMaxJsonNesting = 16;

// Parses one JSON value filling all of `text` (whitespace around it is fine).
// Error(ErrorCode::kMalformed, "<what>: <why>" or, with `what` empty, "<why>") on invalid JSON, nesting deeper than
// kMaxJsonNesting, a key that appears twice in one object (named with its path), or a number out of range; never a
// library exception.
Json ParseJsonText(std::string_view text, std::string_view what);

}  // namespace bangban
