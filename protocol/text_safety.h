// Which characters a record's text may carry. Names, reasons and notes are shown to reviewers,
// printed in reports and logs and served as JSON; a control character can rewrite a terminal
// line or a log entry, and a bidirectional override (U+202E) makes text display in another order
// than it is stored ("张三" that reads as someone else). A node refuses them at intake; a hub
// stores a peer's record that has them (principle 6) and `audit` flags it.
#pragma once

#include <string>
#include <string_view>

#include "protocol/schema.h"

namespace bangban {

// The first code point of `text` that a record may not carry, as "U+202E (a bidirectional
// control)", or "" if there is none. Refused: the C0 controls U+0000–U+001F (with `multiline`,
// line feed and tab are allowed), DEL and the C1 controls U+007F–U+009F, and the bidirectional
// embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069. Bytes that are not UTF-8
// are not judged here (IsValidUtf8 refuses them).
std::string UnsafeCodePoint(std::string_view text, bool multiline = false);

// The first string of a body (any depth, list items too) that holds such a code point, as
// "applicant.name: U+202E (a bidirectional control)", or "" if none. Free text (a complaint's
// `text`, a `note`, a `reason`, an `address`) may have line feeds and tabs.
std::string UnsafeTextInBody(const Json& body);

}  // namespace bangban
