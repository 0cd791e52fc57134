// What every bangban command does the same way: exit 0 on success, 1 on an error (one message
// on stderr), 2 on bad usage; `--json` output is one JSON document.
#pragma once

#include <CLI/CLI.hpp>
#include <csignal>
#include <thread>
#include <atomic>
#include <functional>
#include <memory>
#include <iostream>
#include <string>

#include "crypto/error.h"
#include "crypto/identity.h"
#include "storage/bundle.h"

namespace bangban {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// Parses the command line and runs the chosen subcommand's callback, mapping errors to exit
// codes (an Error with code "usage" is bad usage: exit 2). Subcommand callbacks return their
// exit code through `exit_code`.
inline int RunCommandLine(CLI::App& app, int argc, char** argv, const int& exit_code) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.code() == "usage" ? kExitUsage : kExitError;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitError;
  }
  return exit_code;
}

// Blocks SIGTERM and SIGINT in every thread and returns a flag that a watcher thread sets when
// one arrives, so daemons shut down cleanly between two operations. Call before starting threads.
inline const std::atomic<bool>& StopOnSignals() {
  static std::atomic<bool> stop{false};
  static sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::thread([] {
    int received = 0;
    sigwait(&signals, &received);
    stop = true;
  }).detach();
  return stop;
}

// `keygen --out FILE`: the same for nodes and hubs (an identity is an identity).
inline void AddKeygenCommand(CLI::App& app) {
  auto out = std::make_shared<std::string>();
  auto* keygen = app.add_subcommand("keygen", "Create an identity key file (mode 0600) and print its public key");
  keygen->add_option("--out", *out, "Key file to create (never overwritten)")->required();
  keygen->callback([out] {
    SigningKey key = SigningKey::Generate();
    key.Save(*out);
    std::cout << ToHex(key.public_key()) << "\n";
  });
}

inline void PrintJson(const Json& doc) { std::cout << doc.dump(2) << std::endl; }

// Prints what an import did; exit 1 if anything was refused or unreadable.
inline int PrintImportReport(const ImportReport& report, bool json) {
  if (json) {
    PrintJson({{"accepted", report.accepted}, {"duplicate", report.duplicate},
               {"buffered", report.buffered}, {"forks", report.forks},
               {"rejected", report.rejected}, {"unreadable", report.unreadable},
               {"problems", report.problems}});
  } else {
    std::cout << "accepted " << report.accepted << ", duplicate " << report.duplicate
              << ", buffered " << report.buffered << ", forks " << report.forks << ", rejected "
              << report.rejected << ", unreadable " << report.unreadable << "\n";
    for (const std::string& p : report.problems) std::cout << "  " << p << "\n";
  }
  return report.clean() ? kExitOk : kExitError;
}

}  // namespace bangban
