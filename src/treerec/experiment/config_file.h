// Reading experiment config files: TOML (the main format) or JSON, chosen by the file's
// extension, into one JSON tree plus the line of every key, so that the checks that follow
// (config_schema.h) can name the file, the line and the key of a bad value.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace treerec {

struct ConfigDocument {
  std::string path;   // as given; messages name it
  nlohmann::json root = nlohmann::json::object();  // TOML tables become objects
  // Dotted key ("dataset.path", "methods.tdm.epochs") -> 1-based line; TOML only.
  std::map<std::string, std::uint32_t> lines;
  std::set<std::string> overridden;  // dotted keys set by apply_config_override()

  // "path:line" when the key's line is known, "path (--set key)" for an overridden key, else
  // "path"; for error messages.
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

// Applies one command-line override "KEY=VALUE" to the document: KEY is dotted ("seeds",
// "dataset.valid_users", "methods.jtm.rounds"), VALUE a TOML value (`[1, 2]`, `"x"`, `0.2`).
// The checks of experiment_config() then apply to it like to any key of the file. A malformed
// assignment throws Error "--set KEY=VALUE: <what>".
void apply_config_override(ConfigDocument& doc, const std::string& assignment);

}  // namespace treerec
