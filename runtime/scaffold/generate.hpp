#pragma once
// `ftgo new`: one service generated from a template, atomically.
//
// Every check runs before anything is written (name, template, variables,
// rendered paths, target, ftgo.yaml). Then the files go to a staging
// directory next to the target (.NAME.ftgo-new-XXXXXX), the post-generate
// hooks and `git init` + one commit run there, and a rename without replace
// moves it into place. Any failure removes the staging directory, and so
// does SIGINT or SIGTERM meanwhile (the hook or git command running is
// stopped; the error has exit code 130). Last,
// the service is registered in ftgo.yaml (written through a rename too).
//
// The commit is deterministic: author and committer "ftgo <ftgo@localhost>",
// dated 2000-01-01T00:00:00Z, system and global git config ignored.
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "scaffold/render.hpp"
#include "scaffold/template.hpp"
#include "scaffold/values.hpp"

namespace ftgo::scaffold {

struct NewOptions {
  std::string service;
  std::string template_spec;                                  // name or path (discovery.hpp)
  std::vector<std::pair<std::string, std::string>> sets;      // --set KEY=VALUE, in order
  std::optional<fs::path> dir;                                // the target; else <workspace>/services/<service>
  std::optional<fs::path> workspace;                          // root holding ftgo.yaml, if any
  bool git = true;
  bool dry_run = false;
  Prompter prompt;                                            // only when stdin is a terminal
};

struct NewResult {
  fs::path target;                     // absolute
  Template tmpl;
  Values values;
  std::vector<PlannedFile> files;
  bool registered = false;             // an entry was (or, dry run, would be) added to ftgo.yaml
  std::string registered_path;         // as written in ftgo.yaml
  std::string register_note;           // set when ftgo.yaml's formatting could not be kept
  std::string commit;                  // HEAD of the new repository, when git
};

// Generates the service; progress lines (hooks, git) go to `log`.
// Throws ftgo::Error: usage (exit 2) for bad input, failure (exit 1) for a
// failing hook or git, with the command's output in the cause.
NewResult create_service(const NewOptions& opts, std::ostream& log);

}  // namespace ftgo::scaffold
