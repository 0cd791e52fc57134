// ZapHandler: the ZeroMQ authentication (ZAP, RFC 27) handler of a listening node or hub. It
// admits a CurveZMQ client only if its key belongs to an enrolled, unrevoked identity, and tells
// ZeroMQ that identity (hex Ed25519 key) as the connection's User-Id, so every message received
// carries the authenticated sender.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "crypto/identity.h"

namespace bangban {

class ZapHandler {
 public:
  // `admit` maps a client's X25519 key to its Ed25519 identity, or nullopt to refuse; it is
  // called on the handler's own thread.
  using Admit = std::function<std::optional<PublicKey>(const CurvePublicKey&)>;

  // Binds inproc://zeromq.zap.01 in `context`: construct before binding any CURVE server socket.
  ZapHandler(zmq::context_t& context, Admit admit);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

 private:
  void Serve();

  zmq::socket_t socket_;
  Admit admit_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// CurveZMQ keys of an identity, derived from its Ed25519 key (crypto/identity.h).
void SetCurveServer(zmq::socket_t& socket, const SigningKey& identity);
void SetCurveClient(zmq::socket_t& socket, const SigningKey& identity, const PublicKey& server);

}  // namespace bangban
