// bangban-echo-hub: the machine's ceiling for the steady load of bench/compare.sh.
//
// A hub that does nothing but answer: a ROUTER socket with CurveZMQ and the real hub's socket
// options, which answers hello with a welcome and each push at once with an ack naming the
// pushed feed's new head. It verifies no signature, checks no chain and stores nothing. Driven
// by bangban-many-nodes like a real hub, it shows what the transport (ZeroMQ, CurveZMQ both
// ways, message encoding) and the load generator alone take of the machine and how fast an ack
// can come back at all; whatever a real hub does on top of that has to fit in what is left
// (docs/performance.md, "Ten times the steady load").
//
//   bangban-echo-hub --listen tcp://127.0.0.1:PORT --seed TEXT
//
// Prints its public key (hex) on the first line, then serves until SIGTERM or SIGINT. Every
// peer is admitted: there is no ZAP handler, so never run it anywhere but on loopback.
#include <chrono>
#include <iostream>
#include <string>

#include <zmq.hpp>

#include "crypto/hash.h"
#include "daemon/command_line.h"
#include "daemon/signals.h"
#include "protocol/record.h"
#include "sync/messages.h"
#include "sync/zap_handler.h"

using namespace bangban;

namespace {

// As sync/sync_server.cc's: one peer's window and a few more may wait in the socket.
constexpr int kReceiveHighWaterMark = static_cast<int>(kMaxWindow) + 4;

SigningKey EchoKey(const std::string& seed) {
  return SigningKey::FromSeed(Blake2b256({AsBytes("bangban-echo-hub/"), AsBytes(seed)}));
}

// The ack of a push: every record accepted, and the head of the feed it extends (its last
// record's, decoded only for its author, seq and id).
Json Ack(const PushMessage& push) {
  AckMessage ack;
  ack.batch = push.batch;
  ack.accepted = push.records.size();
  if (!push.records.empty()) {
    const Record last = Record::Decode(push.records.back());
    ack.heads.push_back({last.author(), last.seq(), last.id()});
  }
  return ack.ToJson();
}

Json Answer(const Json& message) {
  const std::string& type = MessageType(message);
  if (type == HelloMessage::kType) return WelcomeMessage{}.ToJson();
  if (type == PushMessage::kType) return Ack(PushMessage::FromJson(message));
  return ErrorMessage::Of(ErrorCode::kUnknownMessage, "the echo hub answers hello and push only").ToJson();
}

void Reply(zmq::socket_t& router, zmq::message_t& routing_id, const Json& answer) {
  const Bytes bytes = EncodeMessage(answer);
  router.send(routing_id, zmq::send_flags::sndmore);
  router.send(zmq::const_buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
}

int Serve(const std::string& endpoint, const std::string& seed) {
  const std::atomic<bool>& stop = StopOnSignals();
  const SigningKey key = EchoKey(seed);
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxMessageBytes));
  router.set(zmq::sockopt::rcvhwm, kReceiveHighWaterMark);
  router.set(zmq::sockopt::router_mandatory, false);
  SetCurveServer(router, key);
  router.bind(endpoint);
  std::cout << ToHex(key.public_key()) << std::endl;

  zmq::pollitem_t item{router.handle(), 0, ZMQ_POLLIN, 0};
  while (!stop.load()) {
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    for (;;) {
      zmq::message_t routing_id, payload;
      if (!router.recv(routing_id, zmq::recv_flags::dontwait)) break;
      if (!routing_id.more() || !router.recv(payload, zmq::recv_flags::none)) continue;
      try {
        Reply(router, routing_id,
              Answer(DecodeMessage(ByteView(static_cast<const uint8_t*>(payload.data()), payload.size()))));
      } catch (const Error& e) {
        Reply(router, routing_id, ErrorMessage{e.code(), e.what()}.ToJson());
      }
    }
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bangban-echo-hub: a hub that only answers, the machine's ceiling for bench/compare.sh"};
  std::string endpoint, seed;
  app.add_option("--listen", endpoint, "Where to listen, e.g. tcp://127.0.0.1:7100 (loopback only)")->required();
  app.add_option("--seed", seed, "Text the hub's key is derived from")->required();
  int exit_code = kExitOk;
  app.callback([&] { exit_code = Serve(endpoint, seed); });
  return RunCommandLine(app, argc, argv, exit_code);
}
