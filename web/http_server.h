// HttpServer: a small HTTP/1.1 server (Boost.Beast on Asio) for the hub's web pages, JSON API,
// /healthz, /metrics and the live-update streams (server-sent events). It owns its threads and
// knows nothing of bangban: a Handler turns each request into a response.
//
// Bounds, so that no client can make it grow without limit: a request's headers (16 KiB) and
// body (Options::max_body_bytes, 413 beyond), the open connections (max_connections; more are
// closed at once), the open event streams (max_streams; more get 503), a slow reader's queue of
// events (64; then its stream is closed), and 30 s to send a request.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

namespace bangban {

struct HttpRequest {
  std::string method;                          // GET, POST, ...
  std::string path;                            // percent-decoded, without the query
  std::map<std::string, std::string> query;    // decoded; a repeated name keeps its last value
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string remote;  // the peer's address (the reverse proxy's, behind one)

  std::string Header(const std::string& lower_name) const;
  std::string Query(const std::string& name) const;
  // The value of cookie `name` in the Cookie header, or "".
  std::string Cookie(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Set-Cookie, Location
  // Keep the connection as an event stream (text/event-stream): it then receives every
  // HttpServer::Publish until the client goes.
  bool event_stream = false;
};

// Decodes %XX escapes (and '+' as a space when `form` is set). False if an escape is malformed.
bool PercentDecode(std::string_view text, bool form, std::string& out);
// Parses "a=1&b=2" (a query or an application/x-www-form-urlencoded body); malformed pairs are
// skipped. At most 64 pairs are kept.
std::map<std::string, std::string> ParseForm(std::string_view text);

// "ADDR:PORT" (127.0.0.1:8080, [::1]:8080) -> address and port. Error(ErrorCode::kUsage) naming
// what is wrong.
std::pair<std::string, uint16_t> ParseHttpAddress(const std::string& text);

class HttpServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";
    uint16_t port = 0;  // 0: any free port (port() says which)
    size_t max_body_bytes = 64 * 1024;
    size_t max_connections = 256;
    size_t max_streams = 64;
    int threads = 2;
    // Run four times a second on a server thread (e.g. to publish what changed): often enough
    // that a simulation's clock at speed (protocol/clock.h) shows colour changes within a minute.
    std::function<void(HttpServer&)> every_tick;
  };
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Binds and starts serving on its own threads. Error(ErrorCode::kBind) if the address cannot
  // be bound. `handler` is called from the server's threads, possibly two at once.
  HttpServer(Options options, Handler handler);
  // Stops serving: open connections and streams are closed.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return port_; }
  // Sends the event to every open stream ("event: NAME\ndata: DATA\n\n"). Any thread.
  void Publish(const std::string& event, const std::string& data);
  // Responses sent so far, by status code.
  std::map<int, uint64_t> StatusCounts() const;
  size_t open_streams() const;

  class Connection;

 private:
  friend class Connection;
  void Accept();
  void Tick();
  void Count(int status);
  bool AddStream(const std::shared_ptr<Connection>& stream);

  Options options_;
  Handler handler_;
  mutable std::mutex mutex_;  // guards statuses_ and streams_
  std::map<int, uint64_t> statuses_;
  std::list<std::weak_ptr<Connection>> streams_;
  std::atomic<size_t> connections_{0};
  uint16_t port_ = 0;
  int ticks_ = 0;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer timer_;
  std::vector<std::thread> threads_;
};

}  // namespace bangban
