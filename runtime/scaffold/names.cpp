#include "scaffold/names.hpp"

#include <cctype>

namespace ftgo::scaffold {

namespace {

std::vector<std::string> words(const std::string& name) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : name) {
    if (c == '-') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string capitalized(std::string w) {
  if (!w.empty()) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
  return w;
}

std::string upper(std::string w) {
  for (auto& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return w;
}

std::string join(const std::vector<std::string>& ws, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < ws.size(); ++i) out += (i ? sep : "") + ws[i];
  return out;
}

}  // namespace

std::optional<std::string> invalid_service_name(const std::string& name) {
  if (name.empty()) return "empty";
  if (name.size() > 63) return "longer than 63 characters (" + std::to_string(name.size()) + ")";
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      return std::string("character '") + c +
             "' not allowed (use lowercase letters, digits and '-', like order-service)";
    }
  }
  if (!(name[0] >= 'a' && name[0] <= 'z')) return "must start with a lowercase letter";
  if (name.back() == '-') return "must not end with '-'";
  if (name.find("--") != std::string::npos) return "must not contain '--'";
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> derived_names(const std::string& name) {
  auto ws = words(name);
  std::vector<std::string> caps;
  std::vector<std::string> uppers;
  for (const auto& w : ws) {
    caps.push_back(capitalized(w));
    uppers.push_back(upper(w));
  }
  std::string pascal = join(caps, "");
  std::string camel = ws.empty() ? "" : ws[0] + pascal.substr(caps[0].size());
  return {
      {"name", name},
      {"name_snake", join(ws, "_")},
      {"name_camel", camel},
      {"name_pascal", pascal},
      {"name_upper_snake", join(uppers, "_")},
      {"name_title", join(caps, " ")},
  };
}

bool is_derived_name(const std::string& key) {
  for (const auto& [k, v] : derived_names("x")) {
    if (k == key) return true;
  }
  return false;
}

}  // namespace ftgo::scaffold
