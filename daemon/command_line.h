// What every bangban command does the same way: exit 0 on success, 1 on an error (one message
// on stderr), 2 on bad usage; `--json` output is one JSON document.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
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

// Where one run of a command reads and writes, and how it reaches its party (an OutletNode or a
// Hub). Run from the shell, a command uses the process's streams and opens the data dir itself;
// the daemon (`run`) runs the commands handed to it over its control socket
// (daemon/control_socket.h) with captured streams, the sender's working directory and its own,
// already open, party. Either way the same subcommand callbacks run.
template <typename Party>
struct CommandContext {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  // Relative paths in arguments are relative to this; empty: the process's working directory.
  std::filesystem::path cwd;
  // The party of a data dir: opened from the shell, the running one in the daemon.
  std::function<Party&(const std::filesystem::path& data)> open;
  // Set when run from the shell: if a daemon holds `data`, hands the command line (and `input`,
  // if given) to it, copies its answer to out/err and exit_code, and returns true; false when no
  // daemon runs there.
  std::function<bool(const std::filesystem::path& data, std::istream* input)> hand_off;
  // In the daemon: `in` holds the input the sender read for the command (its FILE or standard
  // input), so the command reads `in` instead of opening FILE itself.
  bool input_sent = false;
  // Subcommand callbacks return their exit code here (as RunCommandLine expects).
  int exit_code = kExitOk;

  std::filesystem::path Path(const std::string& argument) const {
    std::filesystem::path path(argument);
    return cwd.empty() || path.is_absolute() ? path : cwd / path;
  }
  Party& Open(const std::string& data) { return open(Path(data)); }
  // A command that changes state calls this once its arguments are checked: true if a daemon
  // runs on `data` and did the work (its output is already written); false: do it here.
  // `input`: the stream the command reads (a file it opened, or `in`); read only when handed off,
  // and sent along.
  bool HandedOff(const std::string& data, std::istream* input = nullptr) {
    return hand_off && hand_off(Path(data), input);
  }
};

// Parses the command line and runs the chosen subcommand's callback, mapping errors to exit
// codes (an Error with code "usage" is bad usage: exit 2) and writing help and error messages
// to `out` and `err`. Subcommand callbacks return their exit code through `exit_code`.
inline int RunCommandLine(CLI::App& app, int argc, const char* const* argv, const int& exit_code,
                          std::ostream& out, std::ostream& err) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return kExitUsage;
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return e.Is(ErrorCode::kUsage) ? kExitUsage : kExitError;
  } catch (const std::exception& e) {
    err << "error: " << e.what() << "\n";
    return kExitError;
  }
  return exit_code;
}

inline int RunCommandLine(CLI::App& app, int argc, char** argv, const int& exit_code) {
  return RunCommandLine(app, argc, argv, exit_code, std::cout, std::cerr);
}

// `keygen --out FILE`: the same for nodes and hubs (an identity is an identity). The key file
// is resolved against `cwd` (see CommandContext::Path); the public key goes to `out`.
inline void AddKeygenCommand(CLI::App& app, std::ostream& out, const std::filesystem::path& cwd = {}) {
  auto file = std::make_shared<std::string>();
  auto* keygen = app.add_subcommand("keygen", "Create an identity key file (mode 0600) and print its public key");
  keygen->add_option("--out", *file, "Key file to create (never overwritten)")->required();
  keygen->callback([file, &out, cwd] {
    SigningKey key = SigningKey::Generate();
    key.Save(cwd.empty() ? std::filesystem::path(*file) : cwd / *file);
    out << ToHex(key.public_key()) << "\n";
  });
}

inline void PrintJson(std::ostream& out, const Json& doc) { out << doc.dump(2) << std::endl; }

// Prints what an import did; exit 1 if anything was refused or unreadable.
inline int PrintImportReport(std::ostream& out, const ImportReport& report, bool json) {
  if (json) {
    PrintJson(out, {{"accepted", report.accepted}, {"duplicate", report.duplicate},
                    {"buffered", report.buffered}, {"forks", report.forks},
                    {"rejected", report.rejected}, {"unreadable", report.unreadable},
                    {"problems", report.problems}});
  } else {
    out << "accepted " << report.accepted << ", duplicate " << report.duplicate << ", buffered "
        << report.buffered << ", forks " << report.forks << ", rejected " << report.rejected
        << ", unreadable " << report.unreadable << "\n";
    for (const std::string& p : report.problems) out << "  " << p << "\n";
  }
  return report.clean() ? kExitOk : kExitError;
}

}  // namespace bangban
