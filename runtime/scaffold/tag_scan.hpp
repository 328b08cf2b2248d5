#pragma once
// Finding the Mustache tags of a template text, with where they are, so that
// a name the template uses but no value defines is an error at `ftgo new`
// (kainjow renders an undefined {{name}} as nothing, silently).
//
// The scan follows kainjow's parser: default delimiters {{ }}, {{{x}}} for an
// unescaped variable, and the set-delimiter tag {{=<% %>=}} switching to
// others for the rest of the text. It expects a text kainjow has already
// accepted (is_valid()).
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace ftgo::scaffold {

// One tag that looks a name up: a variable ({{x}}, {{{x}}}, {{&x}}) or a
// section ({{#x}}, {{^x}}). Closing tags, comments, partials and
// set-delimiter tags are not listed.
struct NameTag {
  char kind = 0;          // 0 variable, '#' section, '^' inverted section
  std::string name;       // trimmed, as written: "x", "x.y" or "."
  std::string text;       // the tag as written, delimiters included
  std::size_t line = 1;   // 1-based
  std::size_t column = 1; // 1-based, in bytes
};

std::vector<NameTag> scan_name_tags(const std::string& text);

// The first tag of `text` whose name (its part before the first '.') is
// not in `known`; "." (the current list item) is always known.
std::optional<NameTag> first_undefined(const std::string& text, const std::vector<std::string>& known);

}  // namespace ftgo::scaffold
