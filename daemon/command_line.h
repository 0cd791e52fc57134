// What every bangban command does the same way: exit 0 on success, 1 on an error, 2 on bad
// usage; an error is one line `error: CODE: sentence` on stderr (CODE from crypto/error_code.h)
// and, when the command was given --json, also the document {"error": {"code", "message"}} on
// stdout; `--json` output is one JSON document.
//
// Each subcommand declares once, where it is added (AddCommand), whether it changes its data
// dir's state (Writes). That declaration alone decides what happens while a daemon holds the
// data dir: commands that only read run in the shell's process; commands that write are handed
// to the daemon over its control socket (daemon/control_socket.h), which runs them with the
// same callbacks, or are refused.
#pragma once

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>

#include "crypto/error.h"
#include "crypto/identity.h"
#include "storage/bundle.h"

namespace bangban {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// Whether a subcommand changes its data dir's state, and so where it runs while a daemon holds
// the data dir.
struct Writes {
  enum class Kind {
    kNothing,          // reads only, or no data dir: runs in the shell's process, beside a daemon
    kViaDaemon,        // writes: a running daemon runs it (with no daemon, the shell's process does)
    kNotBesideDaemon,  // writes, but not inside a running daemon: refused while one runs
    kIsTheDaemon,      // `run`: it holds the data dir itself (DaemonLock refuses a second one)
  };
  Kind kind = Kind::kNothing;
  std::string why_not;  // kNotBesideDaemon: the refusal's advice, after "a daemon (pid N) holds DIR: "

  static Writes Nothing() { return {Kind::kNothing, {}}; }
  static Writes ViaDaemon() { return {Kind::kViaDaemon, {}}; }
  static Writes NotBesideDaemon(std::string why_not) { return {Kind::kNotBesideDaemon, std::move(why_not)}; }
  static Writes IsTheDaemon() { return {Kind::kIsTheDaemon, {}}; }
};

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
  // Set when run from the shell: for a command that writes (`writes`), when a daemon holds
  // `data`, hands the command line (and `input`, if given) to it and copies its answer to
  // out/err and exit_code, or refuses (Error kDaemonRunning); returns true if the daemon did
  // the work, false when no daemon runs there (the command runs here).
  std::function<bool(const std::filesystem::path& data, const Writes& writes, std::istream* input)> beside_daemon;
  // In the daemon: `in` holds the input the sender read for the command (its FILE or standard
  // input), so the command reads `in` instead of opening FILE itself.
  bool input_sent = false;
  // In the daemon: its stop flag (SIGTERM), which a long command (import) checks as it goes.
  // From the shell: none (a signal ends the process; every write is one LMDB transaction).
  const std::atomic<bool>* stop = nullptr;
  // Subcommand callbacks return their exit code here (as RunCommandLine expects).
  int exit_code = kExitOk;
  // Every subcommand's declaration, by name ("report sla" for a nested one), as AddCommand made it.
  std::map<std::string, Writes> declared;

  std::filesystem::path Path(const std::string& argument) const {
    std::filesystem::path path(argument);
    return cwd.empty() || path.is_absolute() ? path : cwd / path;
  }
  Party& Open(const std::string& data) { return open(Path(data)); }
};

// One subcommand: what it checks, reads and does. Made by AddCommand; the CLI app owns it.
template <typename Party>
class Subcommand {
 public:
  Subcommand(CLI::App* app, CommandContext<Party>& cmd, Writes writes)
      : app_(app), state_(std::make_shared<State>(State{cmd, std::move(writes), {}, {}, {}})) {
    app_->callback([state = state_, app = app_] { Invoke(*state, *app); });
  }

  CLI::App* operator->() const { return app_; }
  CLI::App* app() const { return app_; }

  // Checks of the arguments beyond what CLI11 checks, made in the process where they were
  // given, before any hand-off: throw Error(ErrorCode::kUsage, ...) for exit 2.
  Subcommand& Check(std::function<void()> check) {
    state_->check = std::move(check);
    return *this;
  }
  // The input the command reads (submit: its FILE or standard input), opened where the command
  // was given and sent along when a daemon runs it.
  Subcommand& Reads(std::function<std::istream&()> input) {
    state_->input = std::move(input);
    return *this;
  }
  // What the command does; returns the exit code. It runs here unless a daemon holds the data
  // dir (the subcommand's --data) and the declaration says the daemon runs it or refuses it.
  template <typename Run>
  Subcommand& Does(Run run) {
    if constexpr (std::is_void_v<std::invoke_result_t<Run&>>) {
      state_->run = [run = std::move(run)]() mutable {
        run();
        return kExitOk;
      };
    } else {
      state_->run = std::move(run);
    }
    return *this;
  }

 private:
  struct State {
    CommandContext<Party>& cmd;
    Writes writes;
    std::function<void()> check;
    std::function<std::istream&()> input;
    std::function<int()> run;
  };

  static void Invoke(State& s, CLI::App& app) {
    if (!s.run) return;  // a group such as `report`: its subcommand runs
    if (s.check) s.check();
    const bool writes = s.writes.kind == Writes::Kind::kViaDaemon || s.writes.kind == Writes::Kind::kNotBesideDaemon;
    if (writes && s.cmd.beside_daemon) {
      std::istream* input = s.input ? &s.input() : nullptr;
      if (s.cmd.beside_daemon(s.cmd.Path(app.get_option("--data")->template as<std::string>()), s.writes, input)) {
        return;  // the daemon did it; its answer is out and its exit code set
      }
    }
    s.cmd.exit_code = s.run();
  }

  CLI::App* app_;
  std::shared_ptr<State> state_;
};

// Adds subcommand `name` to `parent` (the app, or a group such as `report`) with its one
// declaration of whether it writes. The declaration must come with a --data option when the
// command writes (the data dir a daemon may hold).
template <typename Party>
Subcommand<Party> AddCommand(CLI::App& parent, CommandContext<Party>& cmd, const std::string& name,
                             const std::string& description, Writes writes) {
  const std::string key = parent.get_parent() == nullptr ? name : parent.get_name() + " " + name;
  cmd.declared[key] = writes;
  return Subcommand<Party>(parent.add_subcommand(name, description), cmd, std::move(writes));
}

// The subcommands a daemon runs for others: those declared Writes::ViaDaemon by the app `build`
// makes.
template <typename Party>
std::set<std::string> CommandsForDaemon(const std::function<std::unique_ptr<CLI::App>(CommandContext<Party>&)>& build) {
  std::istringstream in;
  std::ostringstream sink;
  CommandContext<Party> cmd{in, sink, sink};
  build(cmd);
  std::set<std::string> names;
  for (const auto& [name, writes] : cmd.declared) {
    if (writes.kind == Writes::Kind::kViaDaemon) names.insert(name);
  }
  return names;
}

// CLI11 check of an option that is a public key (or another 32-byte value) in hex.
inline CLI::Validator HexKey() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return FromHexFixed<32>(text) ? "" : "must be 64 hex characters (a public key or record id)";
      },
      "HEX64");
}

// The program's log on stderr (the daemon's log): each line with its date, time and time zone,
// so that logs of machines in different zones (or a UTC server) can be read side by side.
inline void SetUpLog(const std::string& program) {
  spdlog::set_default_logger(spdlog::stderr_color_mt(program));
  spdlog::set_pattern("[%Y-%m-%d %H:%M:%S.%e %z] [%n] [%^%l%$] %v");
}

inline void PrintJson(std::ostream& out, const Json& doc) { out << doc.dump(2) << std::endl; }

// The one form of a failure on the command line: `error: CODE: sentence` on `err`, and with
// `json`, {"error": {"code", "message"}} on `out` as well.
inline void PrintError(std::ostream& out, std::ostream& err, bool json, std::string_view code,
                       const std::string& message) {
  err << "error: " << code << ": " << message << "\n";
  if (json) PrintJson(out, {{"error", {{"code", code}, {"message", message}}}});
}

namespace detail {

// Whether the subcommand named on the command line (nested ones included) takes --json and was
// given it: then its errors are a JSON document too. Read from the raw arguments so that it
// holds for usage errors as well, once the subcommand is known.
inline bool WantsJson(CLI::App& app, int argc, const char* const* argv) {
  CLI::App* command = &app;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") json = true;
    if (arg.empty() || arg[0] == '-') continue;
    auto named = command->get_subcommands([&](CLI::App* sub) { return sub->get_name() == arg; });
    if (!named.empty()) command = named.front();
  }
  return json && command != &app && command->get_option_no_throw("--json") != nullptr;
}

}  // namespace detail

// Parses the command line and runs the chosen subcommand's callback, mapping errors to exit
// codes (an Error with code kUsage, or a CLI11 parse error, is bad usage: exit 2) and writing
// help and error messages to `out` and `err`. Subcommand callbacks return their exit code
// through `exit_code`.
inline int RunCommandLine(CLI::App& app, int argc, const char* const* argv, const int& exit_code, std::ostream& out,
                          std::ostream& err) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    PrintError(out, err, detail::WantsJson(app, argc, argv), ErrorCode::kUsage,
               std::string(e.what()) + " (see --help)");
    return kExitUsage;
  } catch (const Error& e) {
    PrintError(out, err, detail::WantsJson(app, argc, argv), e.code(), e.what());
    return e.Is(ErrorCode::kUsage) ? kExitUsage : kExitError;
  } catch (const std::exception& e) {
    PrintError(out, err, detail::WantsJson(app, argc, argv), ErrorCode::kInternal, e.what());
    return kExitError;
  }
  return exit_code;
}

inline int RunCommandLine(CLI::App& app, int argc, char** argv, const int& exit_code) {
  return RunCommandLine(app, argc, argv, exit_code, std::cout, std::cerr);
}

// `keygen --out FILE`: the same for nodes and hubs (an identity is an identity). The key file
// is resolved against the command's working directory (CommandContext::Path); the public key
// goes to its `out`.
template <typename Party>
void AddKeygenCommand(CLI::App& app, CommandContext<Party>& cmd) {
  auto file = std::make_shared<std::string>();
  auto keygen = AddCommand(app, cmd, "keygen", "Create an identity key file (mode 0600) and print its public key",
                           Writes::Nothing());  // a key file, never a data dir
  keygen->add_option("--out", *file, "Key file to create (never overwritten)")->required();
  keygen.Does([file, &cmd] {
    SigningKey key = SigningKey::Generate();
    key.Save(cmd.Path(*file));
    cmd.out << ToHex(key.public_key()) << "\n";
  });
}

// An import's problems for a script: each with its code, where it was (feed and seq, or frame),
// and a sentence.
inline Json ProblemsToJson(const std::vector<ImportProblem>& problems) {
  Json list = Json::array();
  for (const ImportProblem& p : problems) {
    Json j = {{"code", p.code}, {"message", p.message}};
    if (!p.feed.empty()) j["feed"] = p.feed;
    if (p.seq > 0) j["seq"] = p.seq;
    if (p.frame) j["frame"] = *p.frame;
    list.push_back(j);
  }
  return list;
}

// Prints what an import did; exit 1 if anything was refused or unreadable.
inline int PrintImportReport(std::ostream& out, const ImportReport& report, bool json) {
  if (json) {
    PrintJson(out, {{"accepted", report.accepted},
                    {"duplicate", report.duplicate},
                    {"buffered", report.buffered},
                    {"forks", report.forks},
                    {"rejected", report.rejected},
                    {"unreadable", report.unreadable},
                    {"problems", ProblemsToJson(report.problems)},
                    {"warnings", report.warnings}});
  } else {
    out << "accepted " << report.accepted << ", duplicate " << report.duplicate << ", buffered " << report.buffered
        << ", forks " << report.forks << ", rejected " << report.rejected << ", unreadable " << report.unreadable
        << "\n";
    for (const ImportProblem& p : report.problems) out << "  " << p.ToString() << "\n";
    for (const std::string& w : report.warnings) out << "  warning: " << w << "\n";
  }
  return report.clean() ? kExitOk : kExitError;
}

}  // namespace bangban
