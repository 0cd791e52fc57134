// A bare sync client for tests that must put exactly chosen bytes on the wire (a tampered
// record, say): a ZeroMQ DEALER with CurveZMQ keys derived from a party's identity, as
// sync/zap_handler.cc's SetCurveClient does, sending sync/sync_message.h messages.
//
// cli_tests links only bangban_storage (tests/CMakeLists.txt), not libzmq, so libzmq's C API is
// loaded at run time with dlopen; only zmq.h's declarations and constants are used at compile
// time. If libzmq cannot be loaded, Open() says why and the caller skips.
#pragma once

#include <dlfcn.h>
#include <zmq.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>

#include "crypto/identity.h"
#include "sync/sync_message.h"

namespace city {

class RawSyncClient {
 public:
  RawSyncClient() = default;
  RawSyncClient(const RawSyncClient&) = delete;
  RawSyncClient& operator=(const RawSyncClient&) = delete;
  ~RawSyncClient() {
    if (socket_ != nullptr) close_(socket_);
    if (context_ != nullptr) term_(context_);
    if (lib_ != nullptr) ::dlclose(lib_);
  }

  // Loads libzmq and connects to `endpoint` as `identity`, pinned to `server`'s key. Returns an
  // empty string, or why it could not.
  std::string Open(const std::string& endpoint, const bangban::SigningKey& identity, const bangban::PublicKey& server) {
    lib_ = ::dlopen("libzmq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (lib_ == nullptr) return std::string("cannot load libzmq.so.5: ") + ::dlerror();
    if (!Load(ctx_new_, "zmq_ctx_new") || !Load(term_, "zmq_ctx_term") || !Load(socket_fn_, "zmq_socket") ||
        !Load(close_, "zmq_close") || !Load(setsockopt_, "zmq_setsockopt") || !Load(connect_, "zmq_connect") ||
        !Load(send_, "zmq_send") || !Load(poll_, "zmq_poll") || !Load(msg_init_, "zmq_msg_init") ||
        !Load(msg_recv_, "zmq_msg_recv") || !Load(msg_data_, "zmq_msg_data") || !Load(msg_size_, "zmq_msg_size") ||
        !Load(msg_close_, "zmq_msg_close")) {
      return "libzmq.so.5 lacks a function this client needs";
    }
    context_ = ctx_new_();
    socket_ = socket_fn_(context_, ZMQ_DEALER);
    if (socket_ == nullptr) return "zmq_socket failed";
    int linger = 0;
    setsockopt_(socket_, ZMQ_LINGER, &linger, sizeof linger);
    bangban::CurveSecretKey secret = identity.curve_secret_key();
    bangban::CurvePublicKey own = identity.curve_public_key();
    bangban::CurvePublicKey server_curve = bangban::ToCurvePublicKey(server);
    if (setsockopt_(socket_, ZMQ_CURVE_SERVERKEY, server_curve.data(), 32) != 0 ||
        setsockopt_(socket_, ZMQ_CURVE_PUBLICKEY, own.data(), 32) != 0 ||
        setsockopt_(socket_, ZMQ_CURVE_SECRETKEY, secret.data(), 32) != 0) {
      return "libzmq refused the CURVE keys (built without CURVE?)";
    }
    if (connect_(socket_, endpoint.c_str()) != 0) return "zmq_connect " + endpoint + " failed";
    return "";
  }

  // Sends one message and waits up to `timeout` for the answer; nullopt if none came.
  std::optional<bangban::Json> Request(const bangban::Json& message,
                                       std::chrono::milliseconds timeout = std::chrono::milliseconds(15000)) {
    bangban::Bytes bytes = bangban::EncodeMessage(message);
    if (send_(socket_, bytes.data(), bytes.size(), 0) < 0) return std::nullopt;
    zmq_pollitem_t item{socket_, 0, ZMQ_POLLIN, 0};
    if (poll_(&item, 1, static_cast<long>(timeout.count())) <= 0 || (item.revents & ZMQ_POLLIN) == 0) {
      return std::nullopt;
    }
    zmq_msg_t msg;
    msg_init_(&msg);
    if (msg_recv_(&msg, socket_, 0) < 0) {
      msg_close_(&msg);
      return std::nullopt;
    }
    bangban::Json reply =
        bangban::DecodeMessage(bangban::ByteView(static_cast<const uint8_t*>(msg_data_(&msg)), msg_size_(&msg)));
    msg_close_(&msg);
    return reply;
  }

 private:
  template <typename F>
  bool Load(F& fn, const char* name) {
    fn = reinterpret_cast<F>(::dlsym(lib_, name));
    return fn != nullptr;
  }

  void* lib_ = nullptr;
  void* context_ = nullptr;
  void* socket_ = nullptr;
  decltype(&zmq_ctx_new) ctx_new_ = nullptr;
  decltype(&zmq_ctx_term) term_ = nullptr;
  decltype(&zmq_socket) socket_fn_ = nullptr;
  decltype(&zmq_close) close_ = nullptr;
  decltype(&zmq_setsockopt) setsockopt_ = nullptr;
  decltype(&zmq_connect) connect_ = nullptr;
  decltype(&zmq_send) send_ = nullptr;
  decltype(&zmq_poll) poll_ = nullptr;
  decltype(&zmq_msg_init) msg_init_ = nullptr;
  decltype(&zmq_msg_recv) msg_recv_ = nullptr;
  decltype(&zmq_msg_data) msg_data_ = nullptr;
  decltype(&zmq_msg_size) msg_size_ = nullptr;
  decltype(&zmq_msg_close) msg_close_ = nullptr;
};

}  // namespace city
