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

// Returns the flags, in the order of `names`.
template <typename O>
std::vector<CLI::Option*> add_param_flags(CLI::App* cmd, const ParamTable<O>& table, O& options,
                                          const std::vector<std::string>& names) {
  std::vector<CLI::Option*> flags;
  for (const std::string& name : names) {
    const ParamSpec& spec = table.entry(name).spec;
    const std::string type = spec.type == ParamType::text && !spec.choices.empty() ? "{" + param_range_text(spec) + "}"
                                                                                    : param_type_name(spec.type);
    const bool boolean = spec.type == ParamType::boolean;
    const std::string def = param_text(table.get(options, name));
    auto* flag = cmd->add_option_function<std::string>(
                        flag_of(name),
                        [&table, &options, name, boolean](const std::string& text) {
                          table.set_text(options, name, boolean && text.empty() ? "true" : text, flag_names());
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
