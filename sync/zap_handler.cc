#include "sync/zap_handler.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <vector>

#include "crypto/error.h"

namespace bangban {

ZapHandler::ZapHandler(zmq::context_t& context, Admit admit)
    : socket_(context, zmq::socket_type::rep), admit_(std::move(admit)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this] { Serve(); });
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  thread_.join();
}

void ZapHandler::Serve() {
  while (!stop_) {
    zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
    // Request: version, request id, domain, address, identity, mechanism, credentials...
    std::vector<zmq::message_t> frames;
    do {
      frames.emplace_back();
      if (!socket_.recv(frames.back())) return;
    } while (frames.back().more());
    std::string status = "400", text = "refused", user;
    if (frames.size() >= 7 && frames[5].to_string() == "CURVE" && frames[6].size() == 32) {
      CurvePublicKey client;
      std::memcpy(client.data(), frames[6].data(), 32);
      Decision decision = admit_(client);
      if (decision.identity) {
        status = "200";
        text = "OK";
        user = ToHex(*decision.identity);
      } else {
        LogRefusal(frames[3].to_string(), client, decision.refusal);
      }
    }
    std::string version = frames.empty() ? "1.0" : frames[0].to_string();
    std::string request_id = frames.size() > 1 ? frames[1].to_string() : "";
    socket_.send(zmq::buffer(version), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(status), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(text), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(user), zmq::send_flags::sndmore);
    socket_.send(zmq::message_t(), zmq::send_flags::none);
  }
}

void ZapHandler::LogRefusal(const std::string& address, const CurvePublicKey& client, const std::string& why) {
  auto now = std::chrono::steady_clock::now();
  auto& last = last_logged_[client];
  if (last != std::chrono::steady_clock::time_point{} && now - last < std::chrono::minutes(1)) return;
  last = now;
  if (last_logged_.size() > 10'000) last_logged_.clear();  // bounded, whoever knocks
  // New keys by the thousand (a scan, or someone minting keys) would each earn a line: at most
  // kRefusalLinesPerMinute lines a minute, then one line counting the rest.
  if (now - window_start_ >= std::chrono::minutes(1)) {
    if (suppressed_ > 0) {
      spdlog::warn(
          "refused {} more connections from unknown or revoked keys in the last minute (not logged one by one)",
          suppressed_);
    }
    window_start_ = now;
    lines_in_window_ = 0;
    suppressed_ = 0;
  }
  if (lines_in_window_ >= kRefusalLinesPerMinute) {
    ++suppressed_;
    return;
  }
  ++lines_in_window_;
  std::string key_id;
  try {
    key_id = KeyId(IdentityOfCurveKey(client));
  } catch (const Error&) {
    key_id = "(not an identity key: X25519 " + ToHex(client) + ")";
  }
  spdlog::warn("refused connection from {}: key {} {}", address, key_id, why);
}

void SetCurveServer(zmq::socket_t& socket, const SigningKey& identity) {
  CurveSecretKey secret = identity.curve_secret_key();
  socket.set(zmq::sockopt::curve_server, true);
  socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
  socket.set(zmq::sockopt::zap_domain, "bangban");
}

void SetCurveClient(zmq::socket_t& socket, const SigningKey& identity, const PublicKey& server) {
  CurveSecretKey secret = identity.curve_secret_key();
  CurvePublicKey own = identity.curve_public_key();
  CurvePublicKey server_curve = ToCurvePublicKey(server);
  socket.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server_curve.data(), 32));
  socket.set(zmq::sockopt::curve_publickey, zmq::const_buffer(own.data(), 32));
  socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(secret.data(), secret.size()));
}

}  // namespace bangban
