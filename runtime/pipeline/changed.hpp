#pragma once
// `ftgo deploy --changed [--since REF]`: which services changed, and why.
// A service in its own git repository changed when that repository has
// differences between REF and its working tree (commits since REF, staged,
// unstaged or untracked-but-not-ignored files). A service whose directory is
// inside a larger repository (a monorepo) changed when files under its
// directory did. REF defaults to the commit of the service's last successful
// deployment, else HEAD~1. A service in no git repository is included (ftgo
// cannot tell), and says so.
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ftgo::pipeline {

struct ChangeDecision {
  std::string service;
  bool changed = false;
  std::string reason;  // "3 files changed since 1a2b3c4 (src/app.py, ...)"
};

// Decides for each service in `candidates` (in order). An explicit `since`
// that names no commit is a usage error.
std::vector<ChangeDecision> changed_services(const config::Workspace& ws, const std::vector<std::string>& candidates,
                                             const std::optional<std::string>& since);

}  // namespace ftgo::pipeline
