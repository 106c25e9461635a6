// Command-line flags from a parameter table (treerec/util/params.h): `--name-with-dashes VALUE`
// for each listed parameter, its default and valid range in the help, and the value checked
// when parsed, with errors that name the flag. A boolean's flag alone means true
// (`--skip-bad-lines`); `--never-worse false` sets one to false.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "treerec/util/params.h"

namespace treerec::cli {

// Returns the flags, in the order of `names`. `prefix` goes before each flag's name where a
// command takes parameters of two areas that share a name: jtm's tree-learning `seed` is
// `--tree-seed` beside training's `--seed`.
template <typename O>
std::vector<CLI::Option*> add_param_flags(CLI::App* cmd, const ParamTable<O>& table, O& options,
                                          const std::vector<std::string>& names, const std::string& prefix = "") {
  const ParamNamer namer = [prefix](const std::string& name) { return "--" + prefix + flag_of(name).substr(2); };
  std::vector<CLI::Option*> flags;
  for (const std::string& name : names) {
    const ParamSpec& spec = table.entry(name).spec;
    const std::string type = spec.type == ParamType::text && !spec.choices.empty() ? "{" + param_range_text(spec) + "}"
                                                                                    : param_type_name(spec.type);
    const bool boolean = spec.type == ParamType::boolean;
    const std::string def = param_text(table.get(options, name));
    auto* flag = cmd->add_option_function<std::string>(
                        namer(name),
                        [&table, &options, name, boolean, namer](const std::string& text) {
                          table.set_text(options, name, boolean && text.empty() ? "true" : text, namer);
                        },
                        boolean ? param_help(spec) + " (default " + def + ")" : param_help(spec))
                     ->type_name(boolean ? "[bool]" : type);
    if (boolean) flag->expected(0, 1);  // CLI11 passes "" for a bare flag: true
    else flag->default_str(def);
    flags.push_back(flag);
  }
  return flags;
}

}  // namespace treerec::cli
