// Fuzz target `control_request`: a request on a daemon's control socket (daemon/control_socket.h),
// decoded as the daemon decodes it, with the sender's clock setting read as the daemon reads it.
// What decodes must encode to a request that decodes to the same fields.
#include <optional>

#include "crypto/error.h"
#include "daemon/control_socket.h"
#include "protocol/clock.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bangban;
  std::optional<ControlRequest> request;
  try {
    request = DecodeControlRequest(ByteView(data, size));
  } catch (const Error&) {
  }
  if (!request) return 0;
  const ControlRequest again = DecodeControlRequest(EncodeControlRequest(*request));
  fuzz::Require(again.argv == request->argv && again.cwd == request->cwd && again.input == request->input &&
                    again.now == request->now,
                "a decoded request encodes and decodes to itself");
  if (request->now) {
    try {
      ParseNowSetting(*request->now);
    } catch (const Error&) {
    }
  }
  return 0;
}
