#include "app.hpp"

#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "config/loader.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::cli {

namespace {
int g_exit_code = 0;

std::vector<std::string> verb_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

std::vector<std::string> flag_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* opt : app.get_options()) {
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
    for (const auto& s : opt->get_snames()) names.push_back("-" + s);
  }
  if (app.get_parent()) {
    for (const auto& n : flag_names(*app.get_parent())) names.push_back(n);
  }
  return names;
}

// The deepest subcommand that was parsed (the verb), or the app itself.
CLI::App* active_verb(CLI::App& app) {
  for (auto* sub : app.get_subcommands()) return active_verb(*sub);
  return &app;
}

// "topics create", not "create": the verb as the user typed it.
std::string verb_path(const CLI::App* verb) {
  std::string path = verb->get_name();
  for (const CLI::App* p = verb->get_parent(); p && p->get_parent(); p = p->get_parent()) path = p->get_name() + " " + path;
  return path;
}

void print_error(const std::string& msg) { std::cerr << "ftgo: error: " << msg << "\n"; }

}  // namespace

void set_exit_code(int code) { g_exit_code = code; }

std::optional<std::filesystem::path> Globals::find_workspace_root() const {
  if (!workspace_dir.empty()) {
    std::filesystem::path dir = std::filesystem::absolute(workspace_dir);
    if (!std::filesystem::is_directory(dir)) return std::nullopt;
    return config::find_workspace_root(dir);
  }
  return config::find_workspace_root(std::filesystem::current_path());
}

std::filesystem::path Globals::workspace_root() const {
  std::error_code ec;
  if (!workspace_dir.empty() && !std::filesystem::is_directory(workspace_dir, ec)) {
    throw usage_error("no workspace", workspace_dir,
                      std::filesystem::exists(workspace_dir, ec) ? "not a directory" : "no such directory");
  }
  auto root = find_workspace_root();
  if (!root) {
    // An ftgo.yaml that is there but is no file (a directory) is named, not skipped in silence.
    std::filesystem::path dir = workspace_dir.empty() ? std::filesystem::current_path()
                                                      : std::filesystem::absolute(workspace_dir).lexically_normal();
    for (; !dir.empty(); dir = dir.parent_path()) {
      auto file = dir / "ftgo.yaml";
      if (std::filesystem::exists(file, ec)) throw usage_error("no workspace", file.string(), "not a regular file");
      if (dir == dir.parent_path()) break;
    }
    std::string where = workspace_dir.empty() ? std::filesystem::current_path().string() : workspace_dir;
    throw usage_error("no workspace", where,
                      "no ftgo.yaml here or in any parent directory (run 'ftgo init' to make one)");
  }
  return *root;
}

config::Workspace Globals::load_workspace() const { return config::load_workspace(workspace_root()); }

CLI::Validator whole_number(long long min, long long max) {
  std::string range = max >= INT32_MAX ? std::to_string(min) + " or more"
                                       : "from " + std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& s) -> std::string {
        long long v = 0;
        const char* end = s.data() + s.size();
        auto [ptr, ec] = std::from_chars(s.data(), end, v);
        if (ec == std::errc() && ptr == end && v >= min && v <= max) return "";
        bool too_large = max >= INT32_MAX && ((ec == std::errc::result_out_of_range && !s.empty() && s[0] != '-') ||
                                              (ec == std::errc() && ptr == end && v > max));
        return s + ": expected a whole number, " + range + (too_large ? " (at most " + std::to_string(max) + ")" : "");
      },
      "INT");
}

CLI::App* add_unimplemented(CLI::App& app, const std::string& name, const std::string& help) {
  auto* cmd = app.add_subcommand(name, help + " (not implemented yet)");
  cmd->fallthrough(false);
  cmd->allow_extras();
  cmd->callback([name] { throw failure(name, "", "not implemented yet"); });
  return cmd;
}

int ftgo_main(int argc, char** argv) {
  CLI::App app{"ftgo: scaffold, run, observe and deploy event-driven microservices", "ftgo"};
  app.set_version_flag("--version", std::string("ftgo ") + FTGO_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  Globals g;
  app.add_option("-C", g.workspace_dir, "Run as if started in DIR (the workspace)")->type_name("DIR");
  app.add_option("--brokers", g.brokers, "Kafka bootstrap servers (also FTGO_BROKERS)")
      ->type_name("HOST:PORT");
  app.add_flag("--json", g.json, "Print data as JSON where the verb supports it");

  setup_init(app, g);
  setup_doctor(app, g);
  setup_new(app, g);
  setup_templates(app, g);
  setup_run(app, g);
  setup_ps(app, g);
  setup_logs(app, g);
  setup_restart(app, g);
  setup_stop(app, g);
  setup_down(app, g);
  setup_broker(app, g);
  setup_publish(app, g);
  setup_tail(app, g);
  setup_topics(app, g);
  setup_groups(app, g);
  setup_deploy(app, g);
  setup_history(app, g);
  setup_rollback(app, g);

  // `ftgo help [VERB]`
  std::string help_verb;
  auto* help = app.add_subcommand("help", "Show help for ftgo or one verb");
  help->add_option("verb", help_verb, "The verb to explain");
  help->callback([&] {
    if (help_verb.empty()) {
      std::cout << app.help();
      return;
    }
    try {
      std::cout << app.get_subcommand(help_verb)->help();
    } catch (const CLI::OptionNotFound&) {
      throw usage_error("unknown verb", help_verb, "no such verb" + util::did_you_mean(help_verb, verb_names(app)));
    }
  });

  // An unknown verb: say so, with a suggestion, before CLI11's generic message.
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-C" || arg == "--brokers") {
      ++i;
      continue;
    }
    if (arg.empty() || arg[0] == '-') continue;
    auto names = verb_names(app);
    if (std::find(names.begin(), names.end(), arg) == names.end()) {
      print_error("unknown verb: " + arg + ": not an ftgo command" + util::did_you_mean(arg, names) +
                  " (see 'ftgo --help')");
      return static_cast<int>(ExitCode::usage);
    }
    break;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << active_verb(app)->help();
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::cout << "ftgo " << FTGO_VERSION << "\n";
    return 0;
  } catch (const CLI::ExtrasError& e) {
    CLI::App* verb = active_verb(app);
    std::string msg = "unknown argument: " + verb_path(verb) + ": " + e.what();
    for (const auto& extra : app.remaining(true)) {
      if (!extra.empty() && extra[0] == '-') {
        msg += util::did_you_mean(extra.substr(0, extra.find('=')), flag_names(*verb));
        break;
      }
      if (!verb->get_subcommands({}).empty()) {  // `ftgo topics craete`
        msg += util::did_you_mean(extra, verb_names(*verb));
        break;
      }
    }
    print_error(msg);
    return static_cast<int>(ExitCode::usage);
  } catch (const CLI::RequiredError& e) {
    if (app.get_subcommands().empty()) {
      // `ftgo --jsno`: the unknown option is the mistake, not the missing verb.
      for (const auto& extra : app.remaining(true)) {
        if (extra.size() > 1 && extra[0] == '-') {
          print_error("unknown option: " + extra + ": not an ftgo option" +
                      util::did_you_mean(extra.substr(0, extra.find('=')), flag_names(app)) + " (see 'ftgo --help')");
          return static_cast<int>(ExitCode::usage);
        }
      }
      std::cerr << app.help();
      print_error("missing verb: see the list above");
    } else {
      print_error(std::string("usage: ") + verb_path(active_verb(app)) + ": " + e.what());
    }
    return static_cast<int>(ExitCode::usage);
  } catch (const CLI::ParseError& e) {
    print_error(std::string("usage: ") + verb_path(active_verb(app)) + ": " + e.what());
    return static_cast<int>(ExitCode::usage);
  } catch (const Error& e) {
    print_error(e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    print_error(std::string("unexpected failure: ") + e.what());
    return static_cast<int>(ExitCode::failure);
  }
  return g_exit_code;
}

}  // namespace ftgo::cli
