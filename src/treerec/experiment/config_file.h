// Reading experiment config files: TOML (the main format) or JSON, chosen by the file's
// extension, into one JSON tree plus the line of every key, so that the checks that follow
// (config_schema.h) can name the file, the line and the key of a bad value.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace treerec {

struct ConfigDocument {
  std::string path;   // as given; messages name it
  nlohmann::json root = nlohmann::json::object();  // TOML tables become objects
  // Dotted key ("dataset.path", "methods.tdm.epochs") -> 1-based line; TOML only.
  std::map<std::string, std::uint32_t> lines;

  // "path:line" when the key's line is known, else "path"; for error messages.
  std::string where(const std::string& key) const;
};

// Parses TOML text. A syntax error throws Error "path:line:column: <what>"; TOML dates and
// times are rejected (naming the key), since no setting takes one.
ConfigDocument parse_toml_config(std::string_view text, const std::string& path);
// Parses JSON text (an object at the top); a syntax error throws Error naming the file.
ConfigDocument parse_json_config(std::string_view text, const std::string& path);
// Reads a *.toml or *.json file (Error naming it if it cannot be read or has another
// extension) and parses it by its extension.
ConfigDocument read_config_document(const std::string& path);

}  // namespace treerec
