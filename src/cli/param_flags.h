// Command-line flags from a parameter table (treerec/util/params.h): `--name-with-dashes VALUE`
// for each listed parameter, its default and valid range in the help, and the value checked
// when parsed, with errors that name the flag.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "treerec/util/params.h"

namespace treerec::cli {

template <typename O>
void add_param_flags(CLI::App* cmd, const ParamTable<O>& table, O& options, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    const ParamSpec& spec = table.entry(name).spec;
    const std::string type = spec.type == ParamType::text && !spec.choices.empty() ? "{" + param_range_text(spec) + "}"
                                                                                    : param_type_name(spec.type);
    cmd->add_option_function<std::string>(
           flag_of(name), [&table, &options, name](const std::string& text) {
             table.set_text(options, name, text, flag_names());
           },
           param_help(spec))
        ->type_name(type)
        ->default_str(param_text(table.get(options, name)));
  }
}

}  // namespace treerec::cli
