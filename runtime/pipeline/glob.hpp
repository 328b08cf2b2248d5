#pragma once
// Path globs as pipeline.yaml writes them (`inputs`, `artifacts`), relative
// to a service directory: `*`, `?` and `[...]` match within one path segment,
// a `**` segment matches any number of segments (`src/**`, `**/*.py`), and a
// pattern naming a directory means every file under it. `.git` and `.ftgo`
// directories are never entered.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ftgo::pipeline {

// True when the relative path `path` ("src/a/b.c") matches `pattern`.
bool glob_match(std::string_view pattern, std::string_view path);

// The regular files under `dir` matched by any pattern, as sorted, unique
// relative paths with '/' separators. A pattern that is absolute or climbs
// out with ".." throws a usage error naming `what` (e.g. "order-service: build inputs").
std::vector<std::string> expand_globs(const std::filesystem::path& dir, const std::vector<std::string>& patterns,
                                      const std::string& what);

// True when `pattern` has no glob characters.
bool is_literal(std::string_view pattern);

}  // namespace ftgo::pipeline
