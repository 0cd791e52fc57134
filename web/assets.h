// The web pages' static files (HTML, CSS, JavaScript, and Debian's Chart.js), compiled into the
// binary by a CMake step (web/embed_assets.cmake), so nothing is loaded from disk or from the
// internet at run time.
#pragma once

#include <optional>
#include <string_view>

namespace bangban {

struct Asset {
  std::string_view name;  // file name, e.g. "queue.html", "chart.js"
  std::string_view content_type;
  std::string_view bytes;
};

// The asset of that file name, if embedded.
std::optional<Asset> FindAsset(std::string_view name);

}  // namespace bangban
