#pragma once
// The values a template is rendered with: the derived names of the service
// plus each template variable, from --set, a prompt, or its default.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scaffold/template.hpp"

namespace ftgo::scaffold {

// One resolved value. A list variable keeps its items; `text` is the value
// as given (comma-separated for lists).
struct Value {
  std::string name;
  std::string text;
  bool list = false;
  std::vector<std::string> items;
};

// Everything a template sees, in a fixed order: derived names first, then
// the template's variables in template.yaml order.
struct Values {
  std::vector<Value> entries;

  const Value* find(const std::string& name) const;
  std::string text(const std::string& name) const;  // "" when absent
};

// Asked for a required variable that has no value and no default; nullopt
// when the user gave none. Only set when stdin is a terminal.
using Prompter = std::function<std::optional<std::string>(const Variable&)>;

// "KEY=VALUE" → {KEY, VALUE}; throws usage error without '=' or an empty key.
std::pair<std::string, std::string> parse_set(const std::string& arg);

// Resolves every variable of `t` for service `service` (already validated)
// with `sets` (in command-line order, later wins). Throws ftgo::Error (usage)
// naming the variable for an unknown --set key, a missing required value, or
// a value failing its pattern or choices.
Values resolve_values(const Template& t, const std::string& service,
                      const std::vector<std::pair<std::string, std::string>>& sets,
                      const Prompter& prompt = nullptr);

// Splits a list value on commas, trimming blanks and dropping empty items.
std::vector<std::string> split_list(const std::string& text);

}  // namespace ftgo::scaffold
