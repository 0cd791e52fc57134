#ifndef BANGBAN_TESTS_SUPPORT_TEST_PATHS_H_
#define BANGBAN_TESTS_SUPPORT_TEST_PATHS_H_

// Where the tests find the source tree and the executables they drive. tests/CMakeLists.txt
// force-includes this header into every test file and defines BANGBAN_SOURCE_DIR,
// BANGBAN_NODE_BIN, BANGBAN_HUB_BIN, BANGBAN_LOSSY_LINK_BIN and BANGBAN_WEB_ARTIFACTS as calls of these functions; only
// test_paths.cc sees the actual paths. A test file's compile command is then the same in every
// checkout, so ccache can share its object between clones and worktrees.
namespace test_paths {

const char* SourceDir();
const char* NodeBin();
const char* HubBin();
const char* LossyLinkBin();
const char* WebArtifactsDir();  // where browser tests leave screenshots

}  // namespace test_paths

#endif  // BANGBAN_TESTS_SUPPORT_TEST_PATHS_H_
