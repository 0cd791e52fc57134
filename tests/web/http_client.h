// A plain HTTP/1.1 client for the web tests (Boost.Beast, one connection per request), so the
// tests speak to the real server over a real socket as a browser or a script would.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace webtest {

struct Response {
  int status = 0;
  std::multimap<std::string, std::string> headers;  // names in lower case
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

inline Response Request(uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = "", const std::map<std::string, std::string>& headers = {}) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  namespace net = boost::asio;
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(60));
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req(http::string_to_verb(method), target, 11);
  req.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buffer, parser);
  const auto& res = parser.get();
  Response out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace(name, std::string(field.value()));
  }
  out.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  return out;
}

inline Response Get(uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers = {}) {
  return Request(port, "GET", target, "", headers);
}

// A client listening on a server-sent event stream (GET `target`), as a live page does: it
// collects what arrives and waits, bounded, for a given text.
class EventStream {
 public:
  EventStream(uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers = {})
      : socket_(io_) {
    namespace net = boost::asio;
    socket_.connect({net::ip::make_address("127.0.0.1"), port});
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    net::write(socket_, net::buffer(request));
    // Reads wake at least every 200 ms, so that WaitFor's limit holds.
    timeval tv{0, 200 * 1000};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  // Reads until `text` has arrived (true) or `limit` passed or the stream closed (false).
  bool WaitFor(const std::string& text, std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (received_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > end) return false;
      char chunk[4096];
      const ssize_t n = ::recv(socket_.native_handle(), chunk, sizeof chunk, 0);
      if (n == 0) return false;
      if (n > 0) received_.append(chunk, static_cast<size_t>(n));
    }
    return true;
  }
  const std::string& received() const { return received_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string received_;
};

}  // namespace webtest
