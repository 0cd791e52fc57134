// Headless Chromium (Debian's `chromium`) driven over the DevTools protocol, for the browser
// tests: a real browser loads the real pages from a real hub. The browser listens for DevTools
// on a loopback port it picks (--remote-debugging-port=0; the address is read from its log) and
// this speaks the protocol over a Beast WebSocket: one target (tab) attached in flat mode,
// JavaScript evaluated in it, screenshots taken at 1366×768.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "tests/cli/city_fixture.h"

namespace webtest {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

inline std::string ChromiumBin() {
  for (const char* bin : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
    if (std::filesystem::exists(bin)) return bin;
  }
  return "";
}

inline std::string Base64Decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, buffer = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) continue;
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

class Chromium {
 public:
  // Starts the browser with a fresh profile in `dir`; throws if it does not come up.
  explicit Chromium(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir / "profile");
    const std::filesystem::path log = dir / "chromium.log";
    process_ = cli::Spawn(
        {ChromiumBin(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-background-networking", "--disable-sync",
         "--window-size=1366,768", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         "--user-data-dir=" + (dir / "profile").string(), "about:blank"},
        dir / "chromium.out", log, {}, {});
    std::string endpoint;
    const bool up = city::WaitFor(
        [&] {
          if (!std::filesystem::exists(log)) return false;
          const std::string text = cli::ReadFile(log);
          const size_t at = text.find("DevTools listening on ws://");
          if (at == std::string::npos) return false;
          const size_t end = text.find('\n', at);
          if (end == std::string::npos) return false;
          endpoint = text.substr(at + 27, end - at - 27);  // 127.0.0.1:PORT/devtools/browser/ID
          return true;
        },
        std::chrono::seconds(60), std::chrono::milliseconds(100));
    if (!up) throw std::runtime_error("chromium did not start: " + cli::ReadFile(log));
    const size_t colon = endpoint.find(':'), slash = endpoint.find('/');
    const std::string port = endpoint.substr(colon + 1, slash - colon - 1);
    boost::asio::ip::tcp::resolver resolver(io_);
    boost::asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", port));
    ws_.handshake("127.0.0.1:" + port, endpoint.substr(slash));
    ws_.read_message_max(64 * 1024 * 1024);
  }

  ~Chromium() {
    try {
      Call("Browser.close", nlohmann::json::object());
    } catch (const std::exception&) {
    }
    for (int i = 0; i < 50 && !process_.TryWait(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!process_.TryWait()) {
      process_.Kill(SIGKILL);
      process_.Wait();
    }
  }

  // Sends a DevTools command (to the attached tab when `session` is set) and waits for its
  // answer; events in between are dropped. Throws on a protocol error.
  nlohmann::json Call(const std::string& method, const nlohmann::json& params, const std::string& session = "") {
    nlohmann::json message = {{"id", ++next_id_}, {"method", method}, {"params", params}};
    if (!session.empty()) message["sessionId"] = session;
    ws_.write(boost::asio::buffer(message.dump()));
    for (;;) {
      beast::flat_buffer buffer;
      ws_.read(buffer);
      nlohmann::json answer = nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
      if (!answer.contains("id") || answer["id"] != next_id_) continue;
      if (answer.contains("error")) throw std::runtime_error(method + ": " + answer["error"].dump());
      return answer["result"];
    }
  }

  // A new tab at 1366×768, attached.
  void OpenTab() {
    const std::string target = Call("Target.createTarget", {{"url", "about:blank"}})["targetId"];
    session_ = Call("Target.attachToTarget", {{"targetId", target}, {"flatten", true}})["sessionId"];
    Call("Emulation.setDeviceMetricsOverride",
         {{"width", 1366}, {"height", 768}, {"deviceScaleFactor", 1}, {"mobile", false}}, session_);
  }

  void Navigate(const std::string& url) { Call("Page.navigate", {{"url", url}}, session_); }

  // Evaluates `expression` in the tab (promises awaited) and returns its value; null when it
  // threw, or when the page navigated away while it ran (a click on a link or a submit: the
  // action happened, and a WaitFor polling through the navigation just polls again).
  nlohmann::json Eval(const std::string& expression) {
    nlohmann::json r;
    try {
      r = Call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}},
               session_);
    } catch (const std::runtime_error& e) {
      if (std::string_view(e.what()).find("Inspected target navigated or closed") != std::string_view::npos) {
        return nullptr;
      }
      throw;
    }
    if (r.contains("exceptionDetails")) return nullptr;
    return r["result"].value("value", nlohmann::json());
  }

  // Polls until `expression` is true in the tab (a bounded wait, never a timing assertion).
  bool WaitFor(const std::string& expression, std::chrono::seconds limit = std::chrono::seconds(30)) {
    return city::WaitFor([&] { return Eval(expression) == true; }, limit, std::chrono::milliseconds(100));
  }

  // A PNG of the tab as the browser paints it.
  std::string Screenshot(const std::filesystem::path& file) {
    const std::string png = Base64Decode(Call("Page.captureScreenshot", {{"format", "png"}}, session_)["data"]);
    std::ofstream(file, std::ios::binary) << png;
    return png;
  }

 private:
  cli::Process process_;
  boost::asio::io_context io_;
  websocket::stream<boost::asio::ip::tcp::socket> ws_{io_};
  int next_id_ = 0;
  std::string session_;
};

}  // namespace webtest
