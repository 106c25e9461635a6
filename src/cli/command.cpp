#include "cli/command.h"

#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

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

}  // namespace treerec::cli
