// A gtest base fixture for tests that build county hubs, city hubs and outlets through the real
// command lines (`bangban-hub`, `bangban-node`) as simulation parties, on a clock the test moves
// by hand (BANGBAN_NOW), and carry records between them by bundle the way a courier would: node
// export -> county hub import, county hub export -> city hub import. Every party's data dir is
// a folder of the test's own temporary directory, which is also each command's working directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/cli/cli_process.h"

namespace cli {

class SimulatedPartiesTest : public ::testing::Test {
 protected:
  // Runs `bin` with `args` at the instant now_, in tmp_.
  Result Run(const char* bin, std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), bin);
    return cli::Run(args, stdin_text, {"BANGBAN_NOW=" + now_}, tmp_.path());
  }
  // `bangban-hub ARGS` at now_.
  Result Hub(std::vector<std::string> args) { return Run(kHubBin, std::move(args)); }
  // `bangban-node ARGS` at now_, with `stdin_text` on its stdin.
  Result Node(std::vector<std::string> args, const std::string& stdin_text = "") {
    return Run(kNodeBin, std::move(args), stdin_text);
  }
  // Moves the clock to `local` China time, e.g. "2026-03-02T09:00:00".
  void At(const std::string& local) { now_ = local + "+08:00"; }

  // A fatal failure unless `r` exited 0 (wrap in ASSERT_NO_FATAL_FAILURE).
  static void Ok(const Result& r) { ASSERT_EQ(r.exit_code, 0) << r.Describe(); }
  // The first line of `r`'s stdout: the key that `init` prints.
  static std::string FirstLine(const Result& r) { return r.out.substr(0, r.out.find('\n')); }
  // `r`'s stdout as JSON (discarded, with a failure, if it is not); the exit code is not checked.
  static nlohmann::json Json(const Result& r) {
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.Describe();
    return j;
  }

  // Replaces the first `from` in the hub.toml of data dir `hub` by `to`; a fatal failure if
  // there is no `from`.
  void SetToml(const std::string& from, const std::string& to, const std::string& hub = "H") {
    const std::filesystem::path file = tmp_ / (hub + "/hub.toml");
    std::string toml = ReadFile(file);
    ASSERT_NE(toml.find(from), std::string::npos) << toml;
    toml.replace(toml.find(from), from.size(), to);
    WriteFile(file, toml);
  }

  // `bangban-node submit`: one JSON line per record of `lines`, into data dir `node`; a fatal
  // failure unless it succeeds.
  void NodeSubmit(const std::string& node, const std::vector<nlohmann::json>& lines) {
    std::string text;
    for (const nlohmann::json& j : lines) text += j.dump() + "\n";
    ASSERT_NO_FATAL_FAILURE(Ok(Node({"submit", "--data", node, "-"}, text)));
  }
  // The same into "N1", the outlet of a one-outlet county.
  void NodeSubmit(const std::vector<nlohmann::json>& lines) { NodeSubmit("N1", lines); }

  // Everything node `node` holds, to county hub `hub` (records the hub holds already are
  // duplicates); a fatal failure unless both steps succeed.
  void Carry(const std::string& node = "N1", const std::string& hub = "H") {
    const std::string bundle = Bundle(node);
    ASSERT_NO_FATAL_FAILURE(Ok(Node({"export", "--data", node, "--out", bundle})));
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"import", "--data", hub, bundle})));
  }
  // Everything county hub `county` holds, to city hub `city`; a fatal failure unless both
  // steps succeed.
  void Upstream(const std::string& county = "H", const std::string& city = "C") {
    const std::string bundle = Bundle(county);
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"export", "--data", county, "--out", bundle})));
    ASSERT_NO_FATAL_FAILURE(Ok(Hub({"import", "--data", city, bundle})));
  }

  TempDir tmp_;
  std::string now_;  // BANGBAN_NOW of the commands, "YYYY-MM-DDTHH:MM:SS+08:00"; see At()

 private:
  // A new bundle file name for an export from data dir `from`: every carry writes its own.
  std::string Bundle(const std::string& from) { return from + "-" + std::to_string(++bundles_) + ".bundle"; }

  int bundles_ = 0;
};

}  // namespace cli
