#include "treerec/experiment/config_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

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
  } catch (const nlohmann::json::parse_error& e) {
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

}  // namespace treerec
