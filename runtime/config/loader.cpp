#include "config/loader.hpp"

#include "util/error.hpp"

namespace ftgo::config {

std::optional<fs::path> find_workspace_root(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(fs::absolute(start), ec);
  if (ec) dir = fs::absolute(start);
  while (true) {
    if (fs::is_regular_file(dir / "ftgo.yaml", ec)) return dir;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

// TEMPORARY until the config loader lands (issue 2).
Workspace load_workspace(const fs::path& root) {
  throw failure("load workspace", (root / "ftgo.yaml").string(), "config loader not implemented yet");
}

}  // namespace ftgo::config
