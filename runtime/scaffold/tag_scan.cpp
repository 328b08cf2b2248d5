#include "scaffold/tag_scan.hpp"

#include <algorithm>
#include <cctype>

namespace ftgo::scaffold {

namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// "=<% %>=" into its two delimiters; false when it is not a valid one.
bool parse_set_delimiter(const std::string& contents, std::string& begin, std::string& end) {
  if (contents.size() < 5 || contents.back() != '=') return false;
  std::string inner = trim(contents.substr(1, contents.size() - 2));
  auto space = inner.find(' ');
  if (space == std::string::npos) return false;
  auto next = inner.find_first_not_of(' ', space + 1);
  if (next == std::string::npos) return false;
  begin = inner.substr(0, space);
  end = inner.substr(next);
  auto valid = [](const std::string& d) {
    return std::none_of(d.begin(), d.end(), [](char c) { return c == '=' || std::isspace(static_cast<unsigned char>(c)); });
  };
  return valid(begin) && valid(end);
}

}  // namespace

std::vector<NameTag> scan_name_tags(const std::string& text) {
  std::vector<NameTag> tags;
  std::string open = "{{", close = "}}";
  std::size_t line = 1, line_start = 0, pos = 0;
  while (pos < text.size()) {
    if (text.compare(pos, open.size(), open) != 0) {
      if (text[pos] == '\n') {
        ++line;
        line_start = pos + 1;
      }
      ++pos;
      continue;
    }
    const std::size_t start = pos;
    std::size_t contents = pos + open.size();
    const bool braces = open == "{{" && close == "}}";
    const bool triple = braces && start != text.size() - 2 && contents < text.size() && text[contents] == '{';
    const std::string& end_delim = triple ? std::string("}}}") : close;
    if (triple) ++contents;
    std::size_t end = text.find(end_delim, contents);
    if (end == std::string::npos) break;  // kainjow refuses this text before we get here
    std::string inside = trim(text.substr(contents, end - contents));
    NameTag tag;
    tag.line = line;
    tag.column = start - line_start + 1;
    tag.text = text.substr(start, end + end_delim.size() - start);
    bool names = true;
    if (triple) {
      tag.name = inside;
    } else if (!inside.empty() && inside[0] == '=') {
      names = false;
      std::string b, e;
      if (parse_set_delimiter(inside, b, e)) {
        open = b;
        close = e;
      }
    } else if (!inside.empty() && (inside[0] == '/' || inside[0] == '!' || inside[0] == '>')) {
      names = false;
    } else if (!inside.empty() && (inside[0] == '#' || inside[0] == '^' || inside[0] == '&')) {
      tag.kind = inside[0] == '&' ? 0 : inside[0];
      tag.name = trim(inside.substr(1));
    } else {
      tag.name = inside;
    }
    if (names) tags.push_back(std::move(tag));
    // Newlines inside the tag still count.
    for (std::size_t i = start; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    pos = end + end_delim.size();
  }
  return tags;
}

std::optional<NameTag> first_undefined(const std::string& text, const std::vector<std::string>& known) {
  for (auto& tag : scan_name_tags(text)) {
    if (tag.name == ".") continue;
    std::string head = tag.name.substr(0, tag.name.find('.'));
    if (std::find(known.begin(), known.end(), head) == known.end()) return tag;
  }
  return std::nullopt;
}

}  // namespace ftgo::scaffold
