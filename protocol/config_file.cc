#include "protocol/config_file.h"

#include <fstream>
#include <sstream>
#include <system_error>

namespace bangban {

std::string ReadConfigText(const std::filesystem::path& path, ErrorCode code, const std::string& what) {
  const std::string file = path.string();
  std::error_code ec;
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) throw Error(code, file + ": cannot open " + what);
  if (!std::filesystem::is_regular_file(status)) throw Error(code, file + ": " + what + " must be a regular file");
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw Error(code, file + ": cannot read " + what);
  if (size > kMaxConfigFileBytes) {
    throw Error(code, file + ": " + what + " is larger than " + std::to_string(kMaxConfigFileBytes) + " bytes");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(code, file + ": cannot open " + what);
  std::string text(kMaxConfigFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));  // bounded even if it grew since
  if (in.bad()) throw Error(code, file + ": cannot read " + what);
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxConfigFileBytes) {
    throw Error(code, file + ": " + what + " is larger than " + std::to_string(kMaxConfigFileBytes) + " bytes");
  }
  return text;
}

toml::table ParseTomlFile(const std::filesystem::path& path) {
  const std::string file = path.string();
  const std::string text = ReadConfigText(path, ErrorCode::kConfig, "the configuration file");
  try {
    return toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw Error(ErrorCode::kConfig, file + ": " + std::string(e.description()));
  }
}

}  // namespace bangban
