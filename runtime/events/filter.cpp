#include "events/filter.hpp"

#include <fnmatch.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "util/error.hpp"

namespace ftgo::events {

namespace {

bool glob_match(const std::string& glob, const std::string& text) {
  if (text.find('\0') != std::string::npos) return false;
  return fnmatch(glob.c_str(), text.c_str(), 0) == 0;
}

std::vector<std::string> split_path(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    parts.emplace_back(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

// The text of the field at `path` in `doc`, or nullopt when it is missing.
std::optional<std::string> field_text(const nlohmann::json& doc, const std::vector<std::string>& path) {
  const nlohmann::json* cur = &doc;
  for (const auto& part : path) {
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) return std::nullopt;
      cur = &*it;
    } else if (cur->is_array()) {
      size_t idx = 0;
      if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      idx = std::stoul(part);
      if (idx >= cur->size()) return std::nullopt;
      cur = &(*cur)[idx];
    } else {
      return std::nullopt;
    }
  }
  if (cur->is_string()) return cur->get<std::string>();
  return cur->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Filter parse_filter(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw usage_error("invalid --where", std::string(text),
                      "expected SELECTOR=GLOB with SELECTOR key, value, value.FIELD.PATH or header.NAME");
  }
  Filter f;
  std::string_view selector = text.substr(0, eq);
  if (selector.back() == '!') {
    f.negate = true;
    selector.remove_suffix(1);
  }
  f.glob = std::string(text.substr(eq + 1));
  if (selector == "key") {
    f.target = Filter::Target::key;
  } else if (selector == "value") {
    f.target = Filter::Target::value;
  } else if (selector.substr(0, 7) == "header." && selector.size() > 7) {
    f.target = Filter::Target::header;
    f.name = std::string(selector.substr(7));
  } else if (selector.substr(0, 6) == "value." && selector.size() > 6) {
    f.target = Filter::Target::value_field;
    f.path = split_path(selector.substr(6));
    for (const auto& p : f.path) {
      if (p.empty()) throw usage_error("invalid --where", std::string(text), "empty field name in the path");
    }
  } else {
    std::string hint = selector.substr(0, 8) == "headers." ? " (did you mean header.NAME?)" : "";
    throw usage_error("invalid --where", std::string(text),
                      "unknown selector \"" + std::string(selector) +
                          "\": use key, value, value.FIELD.PATH or header.NAME" + hint);
  }
  return f;
}

bool FilterSet::matches(const Event& e) const {
  std::optional<nlohmann::json> doc;
  bool doc_parsed = false;
  for (const auto& f : m_filters) {
    bool hit = false;
    switch (f.target) {
      case Filter::Target::key:
        hit = e.key && glob_match(f.glob, *e.key);
        break;
      case Filter::Target::value:
        hit = e.value && glob_match(f.glob, *e.value);
        break;
      case Filter::Target::header:
        for (const auto& h : e.headers) {
          if (h.name == f.name && h.value && glob_match(f.glob, *h.value)) {
            hit = true;
            break;
          }
        }
        break;
      case Filter::Target::value_field:
        if (!doc_parsed) {
          doc_parsed = true;
          if (e.value) {
            auto parsed = nlohmann::json::parse(*e.value, nullptr, false);
            if (!parsed.is_discarded()) doc = std::move(parsed);
          }
        }
        if (doc) {
          auto text = field_text(*doc, f.path);
          hit = text && glob_match(f.glob, *text);
        }
        break;
    }
    if (hit == f.negate) return false;
  }
  return true;
}

}  // namespace ftgo::events
