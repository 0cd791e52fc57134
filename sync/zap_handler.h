// ZapHandler: the ZeroMQ authentication (ZAP, RFC 27) handler of a listening node or hub. It
// admits a CurveZMQ client only if its key belongs to an enrolled, unrevoked identity, and tells
// ZeroMQ that identity (hex Ed25519 key) as the connection's User-Id, so every message received
// carries the authenticated sender.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "crypto/identity.h"

namespace bangban {

class ZapHandler {
 public:
  // What to do with a client: admit it as `identity`, or refuse it (identity empty) for the
  // reason in `refusal` ("not enrolled here", "revoked after seq 12", ...).
  struct Decision {
    std::optional<PublicKey> identity;
    std::string refusal;
  };
  // `admit` decides for a client's X25519 key; it is called on the handler's own thread.
  // Refusals are logged with the client's key id (crypto/identity.h IdentityOfCurveKey), once a
  // minute per key at most, since a refused node keeps retrying, and 20 lines a minute in all
  // (the rest counted in one line), since new keys cost nothing to make.
  using Admit = std::function<Decision(const CurvePublicKey&)>;

  // Binds inproc://zeromq.zap.01 in `context`: construct before binding any CURVE server socket.
  ZapHandler(zmq::context_t& context, Admit admit);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

 private:
  void Serve();
  void LogRefusal(const std::string& address, const CurvePublicKey& client, const std::string& why);

  zmq::socket_t socket_;
  Admit admit_;
  std::map<CurvePublicKey, std::chrono::steady_clock::time_point> last_logged_;
  static constexpr size_t kRefusalLinesPerMinute = 20;
  std::chrono::steady_clock::time_point window_start_{};
  size_t lines_in_window_ = 0;
  size_t suppressed_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// CurveZMQ keys of an identity, derived from its Ed25519 key (crypto/identity.h).
void SetCurveServer(zmq::socket_t& socket, const SigningKey& identity);
void SetCurveClient(zmq::socket_t& socket, const SigningKey& identity, const PublicKey& server);

}  // namespace bangban
