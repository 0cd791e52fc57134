// Runs one of bangban's programs as a child process, the way an operator would at a shell: the
// simulation drives real hubs and nodes only through their command lines.
#pragma once

#include <string>
#include <vector>

namespace bangban {

struct ProgramResult {
  int exit_code = -1;  // 128 + signal when the child was killed
  std::string out, err;
};

// Runs argv[0] (a path) with `argv`, the calling process's environment (so the children share
// its clock: BANGBAN_NOW, BANGBAN_CLOCK_EPOCH, BANGBAN_CLOCK_SPEED), and `input` on its standard
// input; waits for it, killing it after two minutes. Keeps at most the first MiB of each output.
// Error(ErrorCode::kInternal) if the child cannot be started.
ProgramResult RunProgram(const std::vector<std::string>& argv, const std::string& input = "");

}  // namespace bangban
