#include "treerec/experiment/config_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <toml++/toml.h>

#include "treerec/util/error.h"

namespace treerec {
namespace {

std::string join_key(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

nlohmann::json to_json(const toml::node& node, const std::string& key, ConfigDocument& doc) {
  doc.lines.emplace(key, static_cast<std::uint32_t>(node.source().begin.line));
  if (const auto* t = node.as_table()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : *t) out[std::string(k.str())] = to_json(v, join_key(key, k.str()), doc);
    return out;
  }
  if (const auto* a = node.as_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < a->size(); ++i)
      out.push_back(to_json(*a->get(i), key + "[" + std::to_string(i) + "]", doc));
    return out;
  }
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return i->get();
  if (const auto* f = node.as_floating_point()) return f->get();
  if (const auto* b = node.as_boolean()) return b->get();
  fail(doc.where(key), ": key '", key, "': dates and times are not settings; expected a string, "
       "number, boolean, array or table");
}

}  // namespace

std::string ConfigDocument::where(const std::string& key) const {
  if (overridden.count(key)) return cat(path, " (--set ", key, ")");
  auto it = lines.find(key);
  return it == lines.end() || it->second == 0 ? path : cat(path, ":", it->second);
}

ConfigDocument parse_toml_config(std::string_view text, const std::string& path) {
  ConfigDocument doc;
  doc.path = path;
  toml::table table;
  try {
    table = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    fail(path, ":", e.source().begin.line, ":", e.source().begin.column, ": ", e.description());
  }
  for (const auto& [k, v] : table) doc.root[std::string(k.str())] = to_json(v, std::string(k.str()), doc);
  return doc;
}

ConfigDocument parse_json_config(std::string_view text, const std::string& path) {
  ConfigDocument doc;
  doc.path = path;
  try {
    doc.root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number like 2E424
    fail(path, ": not valid JSON: ", e.what());
  }
  if (!doc.root.is_object()) fail(path, ": expected a JSON object at the top, got ", doc.root.type_name());
  return doc;
}

ConfigDocument read_config_document(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext != ".toml" && ext != ".json")
    fail(path, ": a config file must end in .toml or .json, got '", ext, "'");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot open the config file");
  std::stringstream s;
  s << in.rdbuf();
  return ext == ".toml" ? parse_toml_config(s.str(), path) : parse_json_config(s.str(), path);
}

void apply_config_override(ConfigDocument& doc, const std::string& assignment) {
  const std::string what = "--set " + assignment;
  const auto eq = assignment.find('=');
  if (eq == std::string::npos) fail(what, ": expected KEY=VALUE (VALUE in TOML: 3, 0.5, \"text\", [1, 2])");
  const std::string key = assignment.substr(0, eq);
  std::vector<std::string> parts;
  for (std::size_t b = 0;;) {
    const std::size_t e = key.find('.', b);
    parts.push_back(key.substr(b, e == std::string::npos ? std::string::npos : e - b));
    if (e == std::string::npos) break;
    b = e + 1;
  }
  for (const std::string& k : parts)
    if (k.empty() || k.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos)
      fail(what, ": '", key, "' is not a dotted key such as seeds or methods.jtm.rounds");
  ConfigDocument value;
  try {
    value = parse_toml_config("value = " + assignment.substr(eq + 1), what);
  } catch (const Error& e) {
    fail(what, ": VALUE is not a TOML value (3, 0.5, \"text\", [1, 2]): ", e.what());
  }
  nlohmann::json* node = &doc.root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    nlohmann::json& next = (*node)[parts[i]];
    if (next.is_null()) next = nlohmann::json::object();
    if (!next.is_object()) fail(what, ": '", parts[i], "' holds a value, not a table");
    node = &next;
  }
  (*node)[parts.back()] = value.root.at("value");
  doc.lines.erase(key);
  doc.overridden.insert(key);
}

}  // namespace treerec
