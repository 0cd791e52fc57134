// Fuzz target `message`: every sync wire message as a peer sends it (sync/sync_message.h framing,
// then the FromJson of the type the frame names, sync/messages.h). What a decoder accepts must
// encode again and read back to the same message: a relay passes on what it read.
#include <optional>
#include <string>

#include "crypto/error.h"
#include "sync/messages.h"
#include "sync/sync_message.h"
#include "tests/fuzz/fuzz_target.h"

namespace bangban {
namespace {

using fuzz::Require;

// The message's JSON form after FromJson and ToJson, or nullopt for a type this build does not
// know (a server answers it with an error message; nothing else reads it).
template <typename Message>
Json Reencoded(const Json& message) {
  return Message::FromJson(message).ToJson();
}

std::optional<Json> Normalised(const Json& message) {
  const std::string& type = MessageType(message);
  if (type == HelloMessage::kType) return Reencoded<HelloMessage>(message);
  if (type == WelcomeMessage::kType) return Reencoded<WelcomeMessage>(message);
  if (type == PushMessage::kType) return Reencoded<PushMessage>(message);
  if (type == AckMessage::kType) return Reencoded<AckMessage>(message);
  if (type == PullMessage::kType) return Reencoded<PullMessage>(message);
  if (type == RecordsMessage::kType) return Reencoded<RecordsMessage>(message);
  if (type == ProveMessage::kType) return Reencoded<ProveMessage>(message);
  if (type == ReceiptMessage::kType) return Reencoded<ReceiptMessage>(message);
  if (type == ErrorMessage::kType) return Reencoded<ErrorMessage>(message);
  return std::nullopt;
}

}  // namespace
}  // namespace bangban

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bangban;
  // A refusal is an Error from DecodeMessage or a FromJson; what was accepted must then go
  // around again without one (an Error escaping from there is a crash).
  std::optional<Json> normalised;
  try {
    normalised = Normalised(DecodeMessage(ByteView(data, size)));
  } catch (const Error&) {
  }
  if (!normalised) return 0;
  const Bytes frame = EncodeMessage(*normalised);
  const std::optional<Json> again = Normalised(DecodeMessage(frame));
  Require(again == normalised, "a decoded message encodes and decodes to itself");
  return 0;
}
