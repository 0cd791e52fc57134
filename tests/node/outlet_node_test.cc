// OutletNode intake beyond one line's shape (finding 9 of issue 13): what the node can check
// before it signs, it refuses there.
#include "node/outlet_node.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <sstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace bangban {
namespace {

// A referral is the outlet's own work: one naming another outlet is refused at submit, naming
// the line and the field; the node's own outlet id passes.
TEST(OutletNodeTest, AReferralNamingAnotherOutletIsRefusedAtIntake) {
  ::unsetenv("BANGBAN_NOW");
  test_support::TempDir tmp("outlet-node");
  NodeConfig config;
  config.outlet_id = "YH-001";
  config.county = "140802";
  config.county_key = SigningKey::Generate().public_key();
  OutletNode::Init(tmp.path() / "node", config, std::nullopt);
  OutletNode node(tmp.path() / "node");
  std::istringstream in(R"({"type":"finance.referral","outlet_id":"YH-001","kind":"loan","bank":"农商银行"})"
                        "\n"
                        R"({"type":"finance.referral","outlet_id":"YH-999","kind":"loan","bank":"农商银行"})"
                        "\n");
  std::vector<IntakeEntry> entries;
  std::vector<LineProblem> problems = node.ReadSubmissions(in, entries);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 2u);
  EXPECT_EQ(problems[0].code, "invalid_body");
  EXPECT_NE(problems[0].message.find("body.outlet_id: 'YH-999' is another outlet"), std::string::npos)
      << problems[0].message;
}

}  // namespace
}  // namespace bangban
