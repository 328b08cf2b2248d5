#include "events/event.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <stdexcept>

#include "util/base64.hpp"
#include "util/spell.hpp"

namespace ftgo::events {

namespace {

using ordered_json = nlohmann::ordered_json;

// Writes `bytes` as a JSON string into `out`; base64 first when `base64`.
void put_bytes(std::string& out, const std::string& bytes, bool base64) {
  out += ordered_json(base64 ? util::base64_encode(bytes) : bytes).dump();
}

std::string decode_bytes(const ordered_json& v, bool base64, const std::string& field) {
  if (!v.is_string()) throw std::invalid_argument(field + ": expected a string or null");
  const auto& s = v.get_ref<const std::string&>();
  if (!base64) return s;
  auto bytes = util::base64_decode(s);
  if (!bytes) throw std::invalid_argument(field + ": not valid base64");
  return *bytes;
}

bool encoding_is_base64(const ordered_json& doc, const std::string& field) {
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) return false;
  if (!it->is_string()) throw std::invalid_argument(field + ": expected \"base64\" or \"utf-8\"");
  const auto& s = it->get_ref<const std::string&>();
  if (s == "base64") return true;
  if (s == "utf-8" || s == "utf8") return false;
  throw std::invalid_argument(field + ": unknown encoding \"" + s + "\" (use \"base64\" or \"utf-8\")");
}

std::optional<std::string> optional_bytes(const ordered_json& doc, const std::string& field, bool base64) {
  auto it = doc.find(field);
  if (it == doc.end() || it->is_null()) return std::nullopt;
  if (field == "value" && !it->is_string()) return it->dump();  // a JSON value given inline
  return decode_bytes(*it, base64, field);
}

}  // namespace

std::string encode_envelope(const Event& e) {
  std::string out;
  out.reserve(64 + e.topic.size() + (e.key ? e.key->size() : 0) + (e.value ? e.value->size() * 5 / 4 : 0));
  out += "{\"topic\":";
  out += ordered_json(e.topic).dump();
  out += ",\"partition\":" + std::to_string(e.partition);
  out += ",\"offset\":" + std::to_string(e.offset);
  out += ",\"timestamp\":";
  out += e.timestamp ? std::to_string(*e.timestamp) : "null";

  out += ",\"key\":";
  bool key_b64 = e.key && !util::is_utf8(*e.key);
  if (e.key) put_bytes(out, *e.key, key_b64);
  else out += "null";
  if (key_b64) out += ",\"key_encoding\":\"base64\"";

  bool headers_b64 = false;
  for (const auto& h : e.headers) headers_b64 = headers_b64 || (h.value && !util::is_utf8(*h.value));
  ordered_json headers = ordered_json::object();
  for (const auto& h : e.headers) {
    ordered_json v = h.value ? ordered_json(headers_b64 ? util::base64_encode(*h.value) : *h.value) : ordered_json();
    auto it = headers.find(h.name);
    if (it == headers.end()) {
      headers[h.name] = std::move(v);
    } else {
      if (!it->is_array()) *it = ordered_json::array({*it});
      it->push_back(std::move(v));
    }
  }
  out += ",\"headers\":";
  out += headers.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
  if (headers_b64) out += ",\"headers_encoding\":\"base64\"";

  out += ",\"value\":";
  bool value_b64 = e.value && !util::is_utf8(*e.value);
  if (e.value) put_bytes(out, *e.value, value_b64);
  else out += "null";
  if (value_b64) out += ",\"value_encoding\":\"base64\"";
  out += "}";
  return out;
}

Event decode_envelope(std::string_view line) {
  ordered_json doc;
  try {
    doc = ordered_json::parse(line);
  } catch (const ordered_json::parse_error& e) {
    std::string what = e.what();
    auto pos = what.find("syntax error");
    throw std::invalid_argument("not valid JSON: " + (pos == std::string::npos ? what : what.substr(pos)));
  }
  if (!doc.is_object()) throw std::invalid_argument("expected a JSON object like {\"key\":\"k\",\"value\":\"v\"}");

  static const std::vector<std::string> k_fields = {"topic", "partition", "offset", "timestamp", "key", "key_encoding",
                                                    "headers", "headers_encoding", "value", "value_encoding"};
  for (const auto& [name, _] : doc.items()) {
    if (std::find(k_fields.begin(), k_fields.end(), name) == k_fields.end()) {
      throw std::invalid_argument("unknown field \"" + name + "\"" + util::did_you_mean(name, k_fields));
    }
  }

  Event e;
  if (auto it = doc.find("partition"); it != doc.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < -1 || it->get<int64_t>() > INT32_MAX) {
      throw std::invalid_argument("partition: expected a partition number (0 or more; -1 or null for any)");
    }
    e.partition = it->get<int32_t>();
  }
  if (auto it = doc.find("timestamp"); it != doc.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      throw std::invalid_argument("timestamp: expected milliseconds since the epoch");
    }
    e.timestamp = it->get<int64_t>();
  }
  e.key = optional_bytes(doc, "key", encoding_is_base64(doc, "key_encoding"));
  e.value = optional_bytes(doc, "value", encoding_is_base64(doc, "value_encoding"));

  bool headers_b64 = encoding_is_base64(doc, "headers_encoding");
  if (auto it = doc.find("headers"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) throw std::invalid_argument("headers: expected an object like {\"type\":\"OrderCreated\"}");
    for (const auto& item : it->items()) {
      // Named, not a structured binding: clang 14 (the fuzz build) cannot capture those.
      const std::string& name = item.key();
      const ordered_json& v = item.value();
      std::string field = "headers." + name;
      auto one = [&](const ordered_json& x) {
        if (x.is_null()) e.headers.push_back({name, std::nullopt});
        else e.headers.push_back({name, decode_bytes(x, headers_b64, field)});
      };
      if (v.is_array()) {
        for (const auto& x : v) one(x);
      } else {
        one(v);
      }
    }
  }
  return e;
}

}  // namespace ftgo::events
