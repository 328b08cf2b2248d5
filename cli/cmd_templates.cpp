// `ftgo templates [--json]`: the templates on the search path, with their variables.
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "scaffold/discovery.hpp"

namespace ftgo::cli {

namespace {

nlohmann::json to_json(const scaffold::Template& t) {
  nlohmann::json vars = nlohmann::json::array();
  for (const auto& v : t.variables) {
    nlohmann::json j{{"name", v.name},
                     {"description", v.description},
                     {"type", v.list ? "list" : "string"},
                     {"required", v.required}};
    j["default"] = v.default_value ? nlohmann::json(*v.default_value) : nlohmann::json(nullptr);
    if (!v.pattern.empty()) j["pattern"] = v.pattern;
    if (!v.choices.empty()) j["choices"] = v.choices;
    vars.push_back(j);
  }
  return {{"name", t.name},
          {"description", t.description},
          {"language", t.language},
          {"path", t.dir.string()},
          {"variables", vars},
          {"hooks", {{"post_generate", t.post_generate}}}};
}

void run_templates(const Globals& g) {
  std::vector<scaffold::BrokenTemplate> broken;
  auto templates = scaffold::list_templates(&broken);
  for (const auto& b : broken) std::cerr << "ftgo: warning: skipping template: " << b.error << "\n";
  if (g.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : templates) out.push_back(to_json(t));
    std::cout << out.dump(2) << "\n";
    return;
  }
  if (templates.empty()) {
    std::cerr << "ftgo: templates: none found; searched:";
    for (const auto& d : scaffold::template_search_path()) std::cerr << " " << d.string();
    std::cerr << " (set FTGO_TEMPLATE_PATH)\n";
  }
  for (const auto& t : templates) {
    std::cout << t.name << "  [" << t.language << "]  " << t.description << "\n";
    std::cout << "    from " << t.dir.string() << "\n";
    for (const auto& v : t.variables) {
      std::cout << "    --set " << v.name << "=";
      std::cout << (v.list ? "A,B" : "VALUE");
      if (!v.description.empty()) std::cout << "  " << v.description;
      std::vector<std::string> notes;
      if (v.default_value) notes.push_back("default: " + *v.default_value);
      if (v.required) notes.push_back("required");
      if (!v.choices.empty()) {
        std::string c = "one of:";
        for (const auto& x : v.choices) c += " " + x;
        notes.push_back(c);
      }
      if (!v.pattern.empty()) notes.push_back("pattern: " + v.pattern);
      for (std::size_t i = 0; i < notes.size(); ++i) std::cout << (i ? "; " : " (") << notes[i];
      if (!notes.empty()) std::cout << ")";
      std::cout << "\n";
    }
  }
}

}  // namespace

void setup_templates(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("templates", "List the available templates and their variables");
  cmd->callback([&g] { run_templates(g); });
}

}  // namespace ftgo::cli
