// The CLI's command registry. Each command lives in its own file in src/cli/ and registers
// itself with a static Command object; main() adds them to the CLI11 app in `order`.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace treerec::cli {

struct Command {
  using Setup = std::function<void(CLI::App& app)>;
  Command(int order, Setup setup);
};

// Called by main(): adds every registered command to `app`.
void add_commands(CLI::App& app);

// Adds the --threads option shared by every parallel command (0 = all cores).
CLI::Option* add_threads_option(CLI::App* cmd, int& threads);

// True when stderr is a terminal (progress bars are drawn only then).
bool stderr_is_terminal();

// Whether a command continues the run saved at `checkpoint` (what: "run", "tree-learning pass").
// An existing checkpoint without --resume is an error (it is never overwritten silently); with
// --resume and none, the command says it starts from the beginning.
bool continues_checkpoint(const std::string& checkpoint, bool resume, const std::string& what, const std::string& out);

}  // namespace treerec::cli
