#include "tests/support/test_paths.h"

namespace test_paths {

const char* SourceDir() { return BANGBAN_TEST_SOURCE_DIR; }
const char* NodeBin() { return BANGBAN_TEST_NODE_BIN; }
const char* HubBin() { return BANGBAN_TEST_HUB_BIN; }
const char* LossyLinkBin() { return BANGBAN_TEST_LOSSY_LINK_BIN; }
const char* WebArtifactsDir() { return BANGBAN_TEST_WEB_ARTIFACTS; }

}  // namespace test_paths
