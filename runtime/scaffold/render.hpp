#pragma once
// Rendering a template with Mustache (kainjow): file contents and each path
// segment. Values are not HTML-escaped ({{x}} and {{{x}}} are the same): the
// output is code and configuration, not HTML. A list variable `topics` also
// gives topics_yaml ([a, b]), topics_json (["a","b"]), topics_csv (a,b) and
// topics_first; {{#topics}}{{.}}{{/topics}} iterates it.
#include <filesystem>
#include <string>
#include <vector>

#include "scaffold/template.hpp"
#include "scaffold/values.hpp"

namespace ftgo::scaffold {

// One file to write, relative to the target directory.
struct PlannedFile {
  fs::path path;          // relative, normal, inside the target
  fs::path source;        // the template file it came from
  std::string contents;
  bool executable = false;
};

// Renders `text`; `where` names it in errors (with `lines`, followed by the
// :LINE:COLUMN of the tag at fault). A bad tag, and a tag naming a value that
// `values` does not define ({{x}}, {{#x}}, {{^x}}), is a usage error:
//   undefined template variable: /t/files/main.cpp:3:7: {{nmae}}: no variable named 'nmae' (did you mean 'name'?)
std::string render_text(const std::string& text, const Values& values, const std::string& where, bool lines = false);

// Renders every file under t.files_dir(), sorted by output path. Throws
// ftgo::Error (usage) for a symlink or special file in files/, a rendered
// path that is absolute, has an empty, '.' or '..' segment, or two template
// files rendering to the same path.
std::vector<PlannedFile> render_tree(const Template& t, const Values& values);

// Checks one rendered relative path; returns why it is unsafe, or "" when safe.
std::string unsafe_path_reason(const std::string& rendered);

// Writes `files` under `dir` (which must exist): mode 0755 for executables,
// 0644 otherwise, directories 0755.
void write_tree(const fs::path& dir, const std::vector<PlannedFile>& files);

}  // namespace ftgo::scaffold
