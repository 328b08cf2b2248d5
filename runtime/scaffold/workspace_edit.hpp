#pragma once
// Registering a new service in ftgo.yaml (`services: NAME: {path: P}`).
//
// The edit is textual, so comments, order and spacing stay as they were:
//   - no `services:` key          → a `services:` block is appended;
//   - `services:` with no value   → the entry goes on the next line;
//   - `services: {}`              → replaced by a block with the entry;
//   - a `services:` block map     → the entry goes after its last entry,
//                                   indented like the first one.
// Anything else (a non-empty flow map, anchors, tags) falls back to
// re-emitting the file with yaml-cpp, which loses comments and formatting;
// the result says so. The edited text is parsed again and checked to mean
// the old document plus the new entry before it is used.
#include <filesystem>
#include <string>

namespace ftgo::scaffold {

struct RegisterResult {
  std::string text;       // the new ftgo.yaml
  bool kept_format = true;
  std::string note;       // what could not be kept, when !kept_format
};

// Adds `name: {path: path}` under `services:` in `text` (the content of
// `file`, named in errors). Throws ftgo::Error (usage) when the service is
// already registered, the YAML is invalid, or `services` is not a map.
RegisterResult register_service(const std::string& text, const std::string& name, const std::string& path,
                                const std::filesystem::path& file);

// Writes `text` to `file` through a temporary file and a rename.
void write_file_atomically(const std::filesystem::path& file, const std::string& text);

}  // namespace ftgo::scaffold
