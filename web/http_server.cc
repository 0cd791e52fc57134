#include "web/http_server.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <deque>
#include <optional>

#include "crypto/bytes.h"
#include "crypto/error.h"

namespace bangban {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kMaxHeaderBytes = 16 * 1024;
constexpr size_t kMaxQueuedEvents = 64;
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr auto kTick = std::chrono::milliseconds(250);
constexpr int kKeepAliveEveryTicks = 60;  // 15 s

}  // namespace

bool PercentDecode(std::string_view text, bool form, std::string& out) {
  out.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return false;
      const std::optional<Bytes> byte = FromHex(text.substr(i + 1, 2));
      if (!byte) return false;
      out.push_back(static_cast<char>(byte->front()));
      i += 2;
    } else if (c == '+' && form) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return true;
}

std::map<std::string, std::string> ParseForm(std::string_view text) {
  constexpr size_t kMaxPairs = 64;
  std::map<std::string, std::string> pairs;
  size_t start = 0, count = 0;
  while (start <= text.size() && count < kMaxPairs) {
    size_t end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view pair = text.substr(start, end - start);
    size_t eq = pair.find('=');
    std::string name, value;
    if (!pair.empty() && PercentDecode(pair.substr(0, eq), true, name) &&
        PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true, value) &&
        !name.empty()) {
      pairs[name] = value;
      ++count;
    }
    start = end + 1;
  }
  return pairs;
}

std::pair<std::string, uint16_t> ParseHttpAddress(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    throw Error(ErrorCode::kUsage, "--http must be ADDR:PORT, e.g. 127.0.0.1:8080");
  }
  std::string address = text.substr(0, colon);
  if (address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  const std::string port_text = text.substr(colon + 1);
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
    throw Error(ErrorCode::kUsage, "--http: the port must be a number from 1 to 65535");
  }
  const int port = std::stoi(port_text);
  if (port < 1 || port > 65535) throw Error(ErrorCode::kUsage, "--http: the port must be a number from 1 to 65535");
  boost::system::error_code ec;
  net::ip::make_address(address, ec);
  if (ec) throw Error(ErrorCode::kUsage, "--http: " + address + " is not an IP address (e.g. 127.0.0.1)");
  return {address, static_cast<uint16_t>(port)};
}

std::string HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string HttpRequest::Query(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? "" : it->second;
}

std::string HttpRequest::Cookie(const std::string& name) const {
  const std::string cookies = Header("cookie");
  size_t start = 0;
  while (start < cookies.size()) {
    size_t end = cookies.find(';', start);
    if (end == std::string::npos) end = cookies.size();
    std::string_view pair(cookies.data() + start, end - start);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    start = end + 1;
  }
  return "";
}

// One client connection: reads requests one after another (keep-alive) and answers each, or
// becomes an event stream. Everything it does runs on its own strand.
class HttpServer::Connection : public std::enable_shared_from_this<HttpServer::Connection> {
 public:
  Connection(tcp::socket socket, HttpServer& server) : stream_(std::move(socket)), server_(server) {
    ++server_.connections_;
  }
  ~Connection() { --server_.connections_; }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Queues an event stream's text; a reader that falls behind is dropped.
  void Send(std::string text) {
    if (closed_) return;
    if (queue_.size() >= kMaxQueuedEvents) return Close();
    queue_.push_back(std::move(text));
    if (queue_.size() == 1) WriteNext();
  }

  void Close() {
    closed_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(server_.options_.max_body_bytes);
    parser_->header_limit(kMaxHeaderBytes);
    stream_.expires_after(kRequestTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      HttpResponse too_large{413, "text/plain; charset=utf-8", "request body too large\n"};
      return Write(too_large, false);
    }
    if (ec) return Close();  // end of stream, timeout, a malformed request: nothing to answer
    http::request<http::string_body> req = parser_->release();
    HttpRequest request = Convert(req);
    HttpResponse response;
    try {
      response = server_.handler_(request);
    } catch (const std::exception& e) {
      spdlog::error("http: {} {}: {}", request.method, request.path, e.what());
      response = {500, "text/plain; charset=utf-8", "internal error\n"};
    }
    if (response.event_stream) return StartStream(response);
    Write(response, req.keep_alive());
  }

  HttpRequest Convert(const http::request<http::string_body>& req) {
    HttpRequest r;
    r.method = std::string(req.method_string());
    const std::string target_text(req.target());
    const std::string_view target = target_text;
    size_t q = target.find('?');
    if (!PercentDecode(target.substr(0, q), false, r.path)) r.path = "/?malformed";
    if (q != std::string_view::npos) r.query = ParseForm(target.substr(q + 1));
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers[name] = std::string(field.value());
    }
    r.body = req.body();
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) r.remote = endpoint.address().to_string();
    return r;
  }

  void Write(const HttpResponse& response, bool keep_alive) {
    server_.Count(response.status);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response.status), 11);
    res->set(http::field::server, "bangban-hub");
    res->set(http::field::content_type, response.content_type);
    res->set("X-Content-Type-Options", "nosniff");
    res->set("X-Frame-Options", "DENY");
    res->set("Referrer-Policy", "same-origin");
    res->set("Content-Security-Policy",
             "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
    for (const auto& [name, value] : response.headers) res->insert(name, value);
    res->body() = response.body;
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(kRequestTimeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive) return self->Close();
      self->Read();
    });
  }

  void StartStream(const HttpResponse& response) {
    if (!server_.AddStream(shared_from_this())) {
      return Write({503, "text/plain; charset=utf-8", "too many live-update streams\n"}, false);
    }
    server_.Count(response.status);
    stream_.expires_never();
    Send(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nConnection: keep-alive\r\n\r\n" +
        response.body);
    // A read that only ends when the client goes, so that a closed tab frees its stream now.
    WatchForClose();
  }

  void WatchForClose() {
    stream_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->WatchForClose();
    });
  }

  void WriteNext() {
    net::async_write(stream_, net::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();
      self->queue_.pop_front();
      if (!self->queue_.empty()) self->WriteNext();
    });
  }

  beast::tcp_stream stream_;
  HttpServer& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::string> queue_;
  std::array<char, 256> discard_;
  bool closed_ = false;
};

HttpServer::HttpServer(Options options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)), acceptor_(io_), timer_(io_) {
  boost::system::error_code ec;
  tcp::endpoint endpoint(net::ip::make_address(options_.address, ec), options_.port);
  if (ec) throw Error(ErrorCode::kBind, "http: " + options_.address + " is not an IP address");
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw Error(ErrorCode::kBind, "http: cannot listen on " + options_.address + ":" + std::to_string(options_.port) +
                                      ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  Accept();
  Tick();
  for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] { io_.run(); });
}

HttpServer::~HttpServer() {
  io_.stop();
  for (std::thread& t : threads_) t.join();
}

void HttpServer::Accept() {
  acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;
    if (!ec) {
      if (connections_ >= options_.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);  // over the limit: refused at once rather than queued
      } else {
        std::make_shared<Connection>(std::move(socket), *this)->Start();
      }
    }
    Accept();
  });
}

void HttpServer::Tick() {
  timer_.expires_after(kTick);
  timer_.async_wait([this](beast::error_code ec) {
    if (ec) return;
    if (options_.every_tick) {
      try {
        options_.every_tick(*this);
      } catch (const std::exception& e) {
        spdlog::error("http: {}", e.what());
      }
    }
    if (++ticks_ % kKeepAliveEveryTicks == 0) Publish("", "");
    Tick();
  });
}

void HttpServer::Publish(const std::string& event, const std::string& data) {
  // An empty event is a comment line: it keeps proxies from closing an idle stream and finds
  // clients that went away.
  const std::string text = event.empty() ? ": keep-alive\n\n" : "event: " + event + "\ndata: " + data + "\n\n";
  std::lock_guard lock(mutex_);
  for (auto it = streams_.begin(); it != streams_.end();) {
    if (auto stream = it->lock()) {
      net::post(stream->executor(), [stream, text] { stream->Send(text); });
      ++it;
    } else {
      it = streams_.erase(it);
    }
  }
}

bool HttpServer::AddStream(const std::shared_ptr<Connection>& stream) {
  std::lock_guard lock(mutex_);
  streams_.remove_if([](const std::weak_ptr<Connection>& s) { return s.expired(); });
  if (streams_.size() >= options_.max_streams) return false;
  streams_.push_back(stream);
  return true;
}

void HttpServer::Count(int status) {
  std::lock_guard lock(mutex_);
  ++statuses_[status];
}

std::map<int, uint64_t> HttpServer::StatusCounts() const {
  std::lock_guard lock(mutex_);
  return statuses_;
}

size_t HttpServer::open_streams() const {
  std::lock_guard lock(mutex_);
  size_t open = 0;
  for (const auto& s : streams_) open += s.expired() ? 0 : 1;
  return open;
}

}  // namespace bangban
