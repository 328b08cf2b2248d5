#include "scaffold/generate.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "config/loader.hpp"
#include "scaffold/command.hpp"
#include "scaffold/discovery.hpp"
#include "scaffold/names.hpp"
#include "scaffold/workspace_edit.hpp"
#include "util/error.hpp"

namespace ftgo::scaffold {

namespace {

const std::vector<std::pair<std::string, std::string>> k_git_env{
    {"GIT_AUTHOR_NAME", "ftgo"},
    {"GIT_AUTHOR_EMAIL", "ftgo@localhost"},
    {"GIT_AUTHOR_DATE", "2000-01-01T00:00:00+0000"},
    {"GIT_COMMITTER_NAME", "ftgo"},
    {"GIT_COMMITTER_EMAIL", "ftgo@localhost"},
    {"GIT_COMMITTER_DATE", "2000-01-01T00:00:00+0000"},
    {"GIT_CONFIG_NOSYSTEM", "1"},
    {"GIT_CONFIG_GLOBAL", "/dev/null"},
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw failure("cannot read", p.string(), std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail_of(const std::string& output, std::size_t max = 4000) {
  std::string out = output.size() > max ? "..." + output.substr(output.size() - max) : output;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Removes what a failed generation made: the staging directory and the
// parent directories it created (deepest first, only while empty).
class Cleanup {
 public:
  ~Cleanup() {
    if (m_done) return;
    std::error_code ec;
    if (!m_staging.empty()) fs::remove_all(m_staging, ec);
    for (auto it = m_created.rbegin(); it != m_created.rend(); ++it) fs::remove(*it, ec);
  }
  void staging(const fs::path& p) { m_staging = p; }
  void created(const fs::path& p) { m_created.push_back(p); }
  void done() { m_done = true; }

 private:
  fs::path m_staging;
  std::vector<fs::path> m_created;
  bool m_done = false;
};

void run_git(const std::string& verb, const std::vector<std::string>& args, const fs::path& dir,
             const InterruptGuard& interrupts) {
  std::vector<std::string> argv{"git"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_command(argv, dir, k_git_env);
  interrupts.check();
  if (r.exit_code != 0) throw failure("git " + verb + " failed", dir.string(), tail_of(r.output));
}

std::string registered_path_for(const fs::path& target, const fs::path& root) {
  auto rel = target.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return target.generic_string();
  return rel.generic_string();
}

}  // namespace

NewResult create_service(const NewOptions& opts, std::ostream& log) {
  if (auto why = invalid_service_name(opts.service)) {
    throw usage_error("invalid service name", "'" + opts.service + "'", *why);
  }
  NewResult res;
  res.tmpl = find_template(opts.template_spec);
  res.values = resolve_values(res.tmpl, opts.service, opts.sets, opts.prompt);
  res.files = render_tree(res.tmpl, res.values);
  for (auto& hook : res.tmpl.post_generate) hook = render_text(hook, res.values, res.tmpl.name + ": hooks.post_generate");

  if (opts.dir) {
    res.target = fs::absolute(*opts.dir).lexically_normal();
  } else if (opts.workspace) {
    res.target = (*opts.workspace / "services" / opts.service).lexically_normal();
  } else {
    throw usage_error("no workspace", fs::current_path().string(),
                      "no ftgo.yaml here or above: run 'ftgo init' first, or pass --dir DIR");
  }
  if (!res.target.empty() && res.target.filename().empty()) res.target = res.target.parent_path();
  std::error_code ec;
  if (fs::symlink_status(res.target, ec).type() != fs::file_type::not_found) {
    throw usage_error("target exists", res.target.string(), "refusing to write into an existing path");
  }

  std::optional<RegisterResult> edit;
  fs::path ftgo_yaml;
  if (opts.workspace) {
    ftgo_yaml = *opts.workspace / "ftgo.yaml";
    res.registered_path = registered_path_for(res.target, *opts.workspace);
    std::string text = read_text(ftgo_yaml);
    // A broken ftgo.yaml is reported now, with its line, not after the service is written into it.
    config::parse_workspace(text, ftgo_yaml);
    edit = register_service(text, opts.service, res.registered_path, ftgo_yaml);
    res.registered = true;
    res.register_note = edit->note;
  }
  if (opts.dry_run) return res;

  // Ctrl-C or SIGTERM from here on stops the hook or git command running,
  // removes the staging directory (Cleanup) and exits 130. Declared before
  // Cleanup, so the cleanup runs while the signals are still caught.
  InterruptGuard interrupts(opts.service, "stopped; " + res.target.string() + " was not created");
  Cleanup cleanup;
  const fs::path parent = res.target.parent_path();
  std::vector<fs::path> missing;
  for (fs::path p = parent; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) missing.push_back(p);
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (!fs::create_directory(*it, ec) && ec) throw failure("cannot create", it->string(), ec.message());
    cleanup.created(*it);
  }
  std::string pattern = (parent / ("." + opts.service + ".ftgo-new-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw failure("cannot create", pattern, std::strerror(errno));
  const fs::path staging = pattern;
  cleanup.staging(staging);

  write_tree(staging, res.files);
  interrupts.check();
  std::vector<std::pair<std::string, std::string>> hook_env{
      {"FTGO_SERVICE", opts.service}, {"FTGO_TEMPLATE", res.tmpl.name}, {"FTGO_TARGET", res.target.string()}};
  for (const auto& hook : res.tmpl.post_generate) {
    log << "ftgo: new: running hook: " << hook << "\n" << std::flush;
    auto r = run_shell(hook, staging, hook_env);
    interrupts.check();
    if (r.exit_code != 0) {
      throw failure("post-generate hook failed", res.tmpl.name + ": " + hook,
                    "exit " + std::to_string(r.exit_code) + ", output:\n" + tail_of(r.output));
    }
  }
  if (opts.git) {
    run_git("init", {"-c", "init.defaultBranch=main", "init", "-q"}, staging, interrupts);
    run_git("add", {"add", "-A"}, staging, interrupts);
    run_git("commit", {"-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m",
             "Initial commit of " + opts.service + " from template " + res.tmpl.name},
            staging, interrupts);
    auto head = run_command({"git", "rev-parse", "HEAD"}, staging, k_git_env);
    interrupts.check();
    res.commit = tail_of(head.output);
  }
  if (renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, res.target.c_str(), RENAME_NOREPLACE) != 0) {
    throw failure("cannot move into place", res.target.string(), std::strerror(errno));
  }
  cleanup.done();
  if (edit) write_file_atomically(ftgo_yaml, edit->text);
  return res;
}

}  // namespace ftgo::scaffold
