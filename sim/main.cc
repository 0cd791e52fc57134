// bangban-sim: the living city's traffic. `plan` writes what a simulated city does, day by day
// (deterministic for a --seed); `play` does it, at the simulated clock, through the real
// programs of a city laid out on this machine (deploy/quickstart.sh lays one out; README.md).
#include <signal.h>

#include <fstream>
#include <iostream>

#include "daemon/command_line.h"
#include "daemon/signals.h"
#include "protocol/clock.h"
#include "sim/city_plan.h"
#include "sim/player.h"

using namespace bangban;

namespace {

constexpr std::streamsize kMaxPlanBytes = 64 * 1024 * 1024;

void WriteFile(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw Error(ErrorCode::kDataDir, "cannot write " + file.string());
}

Json ReadPlan(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::kUsage, "--plan " + file.string() + ": cannot be read");
  std::string text(kMaxPlanBytes + 1, '\0');
  in.read(text.data(), kMaxPlanBytes + 1);
  if (in.gcount() > kMaxPlanBytes)
    throw Error(ErrorCode::kTooLarge, "--plan " + file.string() + ": larger than 64 MiB");
  text.resize(static_cast<size_t>(in.gcount()));
  Json plan = Json::parse(text, nullptr, false);
  if (!plan.is_object() || !plan.contains("events") || !plan.contains("outlets")) {
    throw Error(ErrorCode::kUsage, "--plan " + file.string() + ": not a plan written by `bangban-sim plan`");
  }
  return plan;
}

// The parties, for a shell script to lay the city out: one line per county
// (county CODE NAME) and per outlet (outlet ID COUNTY KIND RELAY-OR-- RELAYS BUNDLE_ONLY DAEMON
// TOWNSHIP_CODE NAME), tab-separated.
std::string PartiesTsv(const CityPlan& plan) {
  std::string out;
  for (const PlannedCounty& c : plan.counties) out += "county\t" + c.code + "\t" + c.name + "\n";
  for (const PlannedOutlet& o : plan.outlets) {
    out += "outlet\t" + o.id + "\t" + o.county + "\t" + o.kind + "\t" + (o.relay.empty() ? "-" : o.relay) + "\t" +
           (o.relays ? "1" : "0") + "\t" + (o.bundle_only ? "1" : "0") + "\t" + (o.daemon ? "1" : "0") + "\t" +
           o.township_code + "\t" + o.name + "\n";
  }
  return out;
}

// Every clear ID number and name the plan types in, one a line: what must never appear in a
// data dir (deploy/quickstart.sh searches every byte for them).
std::string ClearValues(const CityPlan& plan) {
  std::string out;
  for (const PlannedEvent& e : plan.events) {
    const Json& record = e.args.value("record", Json::object());
    if (record.value("type", "") != "app.submit") continue;
    out += record["applicant"]["id_number"].get<std::string>() + "\n" + record["applicant"]["name"].get<std::string>() +
           "\n";
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);  // a child that exits early must not take the player with it
  CLI::App app{"bangban-sim: a simulated city's traffic, played through the real hubs and nodes"};
  app.require_subcommand(1);
  int exit_code = kExitOk;

  PlanOptions options;
  std::string start = "2026-03-02", map_dir, out_dir;
  CLI::App* plan = app.add_subcommand("plan", "Write the plan of a simulated city (deterministic for --seed)");
  plan->add_option("--seed", options.seed, "The workload's seed");
  plan->add_option("--counties", options.counties, "Counties (the first N of the map, 盐湖区 first)");
  plan->add_option("--outlets", options.outlets, "Outlets per county");
  plan->add_option("--days", options.days, "Working days");
  plan->add_option("--start", start, "The first day (YYYY-MM-DD; days the calendars close are skipped)");
  std::vector<std::string> calendars;
  plan->add_option("--calendar", calendars,
                   "A working calendar (deploy/calendars/cn-2026.toml; repeatable): holidays and make-up working days. "
                   "Without one, Monday to Friday");
  plan->add_option("--map", map_dir, "The folder of counties.csv and townships.csv (deploy/yuncheng)")->required();
  plan->add_option("--out", out_dir, "Where to write plan.json, totals.json, parties.tsv and clear-values.txt")
      ->required();
  plan->callback([&] {
    auto date = ParseCivilDate(start);
    if (!date) throw Error(ErrorCode::kUsage, "--start '" + start + "' is not a date such as 2026-03-02");
    options.start = *date;
    for (size_t i = 0; i < calendars.size(); ++i) {
      WorkCalendar calendar = WorkCalendar::FromTomlFile(calendars[i]);
      if (i == 0) {
        options.calendar = std::move(calendar);
      } else {
        options.calendar.Merge(calendar);
      }
    }
    const CityPlan city = MakePlan(options, ReadYuncheng(map_dir));
    std::filesystem::create_directories(out_dir);
    const std::filesystem::path out(out_dir);
    WriteFile(out / "plan.json", city.ToJson().dump(1) + "\n");
    WriteFile(out / "totals.json", city.Totals().dump(2) + "\n");
    WriteFile(out / "parties.tsv", PartiesTsv(city));
    WriteFile(out / "clear-values.txt", ClearValues(city));
    std::cout << city.Totals().dump(2) << "\n";
  });

  CityLayout layout;
  std::string plan_file, work, node_program, hub_program;
  CLI::App* play = app.add_subcommand("play",
                                      "Play a plan at the simulated clock (BANGBAN_NOW, BANGBAN_CLOCK_EPOCH, "
                                      "BANGBAN_CLOCK_SPEED) through the real programs");
  play->add_option("--plan", plan_file, "plan.json of `bangban-sim plan`")->required();
  play->add_option("--work", work, "The city's folder: outlets/ID and counties/CODE data dirs")->required();
  play->add_option("--node", node_program, "The bangban-node program")->required();
  play->add_option("--hub", hub_program, "The bangban-hub program")->required();
  play->callback([&] {
    const Json city = ReadPlan(plan_file);
    layout.work = work;
    layout.node_program = node_program;
    layout.hub_program = hub_program;
    const std::atomic<bool>& stop = StopOnSignals();
    const PlayReport report = Play(city, layout, stop, [](const std::string& line) { std::cout << line << std::endl; });
    std::cout << "played: " << report.ToJson().dump() << std::endl;
    if (stop) exit_code = kExitError;
  });
  return RunCommandLine(app, argc, argv, exit_code);
}
