#include "pipeline/changed.hpp"

#include <fmt/format.h>

#include <set>
#include <sstream>

#include "pipeline/deploy.hpp"
#include "pipeline/history.hpp"
#include "pipeline/process.hpp"
#include "util/error.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> git_line(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir.string()});
  auto r = run_captured(args, dir);
  if (r.exit_code != 0) return std::nullopt;
  return r.output.substr(0, r.output.find('\n'));
}

std::vector<std::string> git_lines(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", dir.string()});
  auto r = run_captured(args, dir);
  if (r.exit_code != 0) {
    throw failure("git", dir.string(), "git " + args[3] + " failed: " + r.output.substr(0, r.output.find('\n')));
  }
  std::vector<std::string> lines;
  std::istringstream in(r.output);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(line);
  return lines;
}

fs::path canonical_or_self(const fs::path& p) {
  std::error_code ec;
  auto c = fs::weakly_canonical(p, ec);
  return ec ? p : c;
}

ChangeDecision decide(const config::Workspace& ws, const config::Service& svc, const std::optional<std::string>& since) {
  ChangeDecision d{svc.name, true, ""};
  auto top_text = git_line(svc.dir, {"rev-parse", "--show-toplevel"});
  if (!top_text) {
    d.reason = "not in a git repository: cannot tell, included";
    return d;
  }
  fs::path top = canonical_or_self(*top_text);
  fs::path dir = canonical_or_self(svc.dir);
  bool own_repo = top == dir;
  std::string pathspec = own_repo ? "." : dir.lexically_relative(top).generic_string();
  std::string where = own_repo ? "its repository" : "its directory " + pathspec + "/";

  std::string ref;
  std::string ref_label;
  if (since) {
    ref = *since;
    ref_label = *since;
  } else {
    auto last = History(ws.root, svc.name).last_deployed();
    if (last && last->contains("commit") && (*last)["commit"].is_string()) {
      ref = (*last)["commit"].get<std::string>();
      ref_label = "the last deployed commit " + ref.substr(0, 7);
    } else {
      ref = "HEAD~1";
      ref_label = "HEAD~1";
    }
  }
  if (!git_line(top, {"rev-parse", "--verify", "-q", ref + "^{commit}"})) {
    if (since) throw usage_error("unknown revision", *since, "not a commit in " + top.string());
    d.reason = fmt::format("{} is not a commit in {} (a first commit?): included", ref_label, top.string());
    return d;
  }
  std::set<std::string> files;
  for (auto& f : git_lines(top, {"diff", "--name-only", ref, "--", pathspec})) files.insert(f);
  for (auto& f : git_lines(top, {"ls-files", "--others", "--exclude-standard", "--", pathspec})) files.insert(f);
  for (auto it = files.begin(); it != files.end();) {
    bool state = it->rfind(".ftgo/", 0) == 0 || it->find("/.ftgo/") != std::string::npos;
    it = state ? files.erase(it) : std::next(it);
  }
  if (files.empty()) {
    d.changed = false;
    d.reason = fmt::format("{} unchanged since {}", where, ref_label);
    return d;
  }
  std::string sample;
  int shown = 0;
  for (const auto& f : files) {
    if (shown++ == 3) {
      sample += ", ...";
      break;
    }
    sample += (sample.empty() ? "" : ", ") + f;
  }
  d.reason = fmt::format("{} file{} changed in {} since {} ({})", files.size(), files.size() == 1 ? "" : "s", where,
                         ref_label, sample);
  return d;
}

}  // namespace

std::vector<ChangeDecision> changed_services(const config::Workspace& ws, const std::vector<std::string>& candidates,
                                             const std::optional<std::string>& since) {
  std::vector<ChangeDecision> out;
  for (const auto& name : candidates) out.push_back(decide(ws, find_service(ws, name), since));
  return out;
}

}  // namespace ftgo::pipeline
