// `treerec params`: every parameter of the library with its flag, config key, type, default,
// valid values and help, from the parameter tables (treerec/util/params.h).
#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "treerec/experiment/param_tables.h"

namespace treerec::cli {
namespace {

const Command kCmd(95, [](CLI::App& app) {
  auto* cmd = app.add_subcommand("params", "list every parameter: flag, config key, type, default, valid values, help");
  auto markdown = std::make_shared<bool>(false);
  cmd->add_flag("--markdown", *markdown, "print docs/PARAMETERS.md (Markdown tables)");
  cmd->callback([markdown] { std::fputs((*markdown ? params_markdown() : params_text()).c_str(), stdout); });
});

}  // namespace
}  // namespace treerec::cli
