// The assessment (`bangban-hub report assessment`): a score per county, from the base less the
// deductions of a versioned rules file (deploy/assessment.toml). Every deduction lists the
// records (or township codes, or applications) that justify it, and the report names the rules'
// version and the BLAKE2b-256 of the file's bytes.
#pragma once

#include <string>

#include "oversight/oversight_report.h"

namespace bangban {

struct AssessmentRules {
  std::string version;
  std::string hash;  // BLAKE2b-256 of the file's bytes, hex
  double base = 100;
  double upheld_complaint = 0, verdict_points = 0, fee_violation = 0, on_time_target = 0, on_time_point = 0,
         uncovered_township = 0, missing_six_haves = 0, inactive_outlet = 0;

  // Error(ErrorCode::kConfig, "<source>: <key>: <problem>"): every rule must be given, as a
  // number >= 0 (on_time_target 0..100); unknown keys are refused so a misspelt rule is not
  // silently zero.
  static AssessmentRules Parse(std::string_view text, const std::string& source);
  // Reads at most 64 KiB of a regular file. Error(ErrorCode::kConfig) if it cannot.
  static AssessmentRules Load(const std::string& path);
};

// The score of one county from its oversight figures (CountyFigures, with its SLA row).
Json AssessCounty(const Json& figures, const AssessmentRules& rules);

// {report, at, rules: {version, hash}, counties: [{county, base, score, deductions: [...]}]}.
Json BuildAssessment(const Json& oversight_report, const AssessmentRules& rules);

}  // namespace bangban
