#include "cli/command.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "treerec/io/atomic_file.h"
#include "treerec/util/error.h"

namespace treerec::cli {
namespace {
std::vector<std::pair<int, Command::Setup>>& registry() {
  static std::vector<std::pair<int, Command::Setup>> commands;
  return commands;
}
}  // namespace

Command::Command(int order, Setup setup) { registry().emplace_back(order, std::move(setup)); }

void add_commands(CLI::App& app) {
  auto& commands = registry();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, setup] : commands) setup(app);
}

CLI::Option* add_threads_option(CLI::App* cmd, int& threads) {
  return cmd->add_option("--threads", threads, "worker threads (0 = all cores)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

bool continues_checkpoint(const std::string& checkpoint, bool resume, const std::string& what, const std::string& out) {
  const bool exists = output_exists(checkpoint);
  if (exists && !resume)
    fail(checkpoint, " holds an interrupted ", what, " for ", out, ": pass --resume to continue it, or delete it to start over");
  if (!exists && resume) std::fprintf(stderr, "no checkpoint at %s: starting from the beginning\n", checkpoint.c_str());
  return exists;
}

}  // namespace treerec::cli
