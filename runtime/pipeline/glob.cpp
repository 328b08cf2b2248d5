#include "pipeline/glob.hpp"

#include <fnmatch.h>

#include <set>

#include "util/error.hpp"

namespace ftgo::pipeline {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) slash = text.size();
    if (slash > start) {
      std::string part(text.substr(start, slash - start));
      if (part != ".") parts.push_back(part);
    }
    start = slash + 1;
  }
  return parts;
}

bool match_segments(const std::vector<std::string>& pat, std::size_t pi, const std::vector<std::string>& path,
                    std::size_t si) {
  if (pi == pat.size()) return si == path.size();
  if (pat[pi] == "**") {
    for (std::size_t k = si; k <= path.size(); ++k)
      if (match_segments(pat, pi + 1, path, k)) return true;
    return false;
  }
  if (si == path.size()) return false;
  if (fnmatch(pat[pi].c_str(), path[si].c_str(), 0) != 0) return false;
  return match_segments(pat, pi + 1, path, si + 1);
}

bool skipped_dir(const fs::path& name) { return name == ".git" || name == ".ftgo"; }

void walk(const fs::path& dir, const fs::path& start, const std::vector<std::string>& pat, std::set<std::string>& out) {
  std::error_code ec;
  fs::recursive_directory_iterator it(start, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const auto& entry = *it;
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) {
      if (skipped_dir(entry.path().filename())) it.disable_recursion_pending();
      continue;
    }
    if (!entry.is_regular_file(ec)) continue;
    std::string rel = entry.path().lexically_relative(dir).generic_string();
    if (pat.empty() || match_segments(pat, 0, split(rel), 0)) out.insert(rel);
  }
}

}  // namespace

bool is_literal(std::string_view pattern) { return pattern.find_first_of("*?[") == std::string_view::npos; }

bool glob_match(std::string_view pattern, std::string_view path) {
  return match_segments(split(pattern), 0, split(path), 0);
}

std::vector<std::string> expand_globs(const fs::path& dir, const std::vector<std::string>& patterns,
                                      const std::string& what) {
  std::set<std::string> out;
  for (const auto& pattern : patterns) {
    auto segs = split(pattern);
    if (pattern.empty() || pattern[0] == '/' || segs.empty()) {
      throw usage_error("bad path pattern", what, "\"" + pattern + "\" must be a path relative to the service directory");
    }
    for (const auto& s : segs) {
      if (s == "..") throw usage_error("bad path pattern", what, "\"" + pattern + "\" climbs out of the service directory");
    }
    // Walk only below the pattern's literal prefix ("src/**" walks src/).
    fs::path start = dir;
    std::size_t literal = 0;
    while (literal < segs.size() && is_literal(segs[literal]) && segs[literal] != "**") start /= segs[literal++];
    std::error_code ec;
    if (literal == segs.size()) {
      if (fs::is_regular_file(start, ec)) {
        out.insert(start.lexically_relative(dir).generic_string());
      } else if (fs::is_directory(start, ec)) {
        walk(dir, start, {}, out);
      }
      continue;
    }
    if (fs::is_directory(start, ec)) walk(dir, start, segs, out);
  }
  return {out.begin(), out.end()};
}

}  // namespace ftgo::pipeline
