#include "scaffold/values.hpp"

#include <regex>

#include "scaffold/names.hpp"
#include "scaffold/render.hpp"
#include "util/error.hpp"
#include "util/spell.hpp"

namespace ftgo::scaffold {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

void check_value(const Variable& v, const std::string& item, const std::string& given) {
  if (!v.choices.empty() && std::find(v.choices.begin(), v.choices.end(), item) == v.choices.end()) {
    throw usage_error("invalid value for variable " + v.name, "'" + given + "'",
                      "'" + item + "' is not one of: " + joined(v.choices) + util::did_you_mean(item, v.choices));
  }
  if (!v.pattern.empty() && !std::regex_match(item, std::regex{v.pattern})) {
    throw usage_error("invalid value for variable " + v.name, "'" + given + "'",
                      "'" + item + "' does not match the pattern " + v.pattern +
                          (v.description.empty() ? "" : " (" + v.description + ")"));
  }
}

}  // namespace

const Value* Values::find(const std::string& name) const {
  for (const auto& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::string Values::text(const std::string& name) const {
  const Value* v = find(name);
  return v ? v->text : "";
}

std::pair<std::string, std::string> parse_set(const std::string& arg) {
  auto eq = arg.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw usage_error("bad --set", "'" + arg + "'", "expected KEY=VALUE");
  }
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    auto item = trim(text.substr(start, end - start));
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

Values resolve_values(const Template& t, const std::string& service,
                      const std::vector<std::pair<std::string, std::string>>& sets, const Prompter& prompt) {
  std::map<std::string, std::string> given;
  std::vector<std::string> var_names;
  for (const auto& v : t.variables) var_names.push_back(v.name);
  for (const auto& [key, value] : sets) {
    if (is_derived_name(key)) {
      throw usage_error("bad --set", key, "'" + key + "' is derived from the service name and cannot be set");
    }
    if (!t.find_variable(key)) {
      std::string cause = "template " + t.name + " has no variable '" + key + "'" + util::did_you_mean(key, var_names);
      if (!var_names.empty()) cause += "; its variables: " + joined(var_names);
      throw usage_error("unknown variable", key, cause);
    }
    given[key] = value;
  }

  Values values;
  for (const auto& [k, v] : derived_names(service)) values.entries.push_back({k, v, false, {}});
  for (const auto& var : t.variables) {
    std::optional<std::string> text;
    if (auto it = given.find(var.name); it != given.end()) {
      text = it->second;
    } else if (var.default_value) {
      // Defaults may refer to the derived names and to earlier variables.
      text = render_text(*var.default_value, values, "default of variable " + var.name);
    } else if (var.required && prompt) {
      text = prompt(var);
    }
    if (!text && var.required) {
      throw usage_error("missing variable", var.name,
                        "template " + t.name + " requires it: pass --set " + var.name + "=VALUE" +
                            (var.description.empty() ? "" : " (" + var.description + ")"));
    }
    Value value{var.name, text.value_or(""), var.list, {}};
    if (var.required && trim(value.text).empty()) {
      throw usage_error("missing variable", var.name, "template " + t.name + " requires a non-empty value");
    }
    if (var.list) {
      value.items = split_list(value.text);
      for (const auto& item : value.items) check_value(var, item, value.text);
    } else if (text) {
      check_value(var, value.text, value.text);
    }
    values.entries.push_back(std::move(value));
  }
  return values;
}

}  // namespace ftgo::scaffold
