// treerec experiment: the paper's comparison (ALGORITHMS §9, §10) from one config file, with its
// report (docs/EXPERIMENTS.md). Progress goes to stderr; the exit status is 1 when a method
// failed (the report still lists the others).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "treerec/experiment/config_file.h"
#include "treerec/experiment/experiment_config.h"
#include "treerec/experiment/experiment_runner.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"

namespace treerec::cli {
namespace {

struct Opts {
  std::string config;
  std::string out;
  bool help_config = false;
  bool print_config = false;
  int threads = -1;  // -1: the config's
  std::vector<std::string> overrides;  // --set KEY=VALUE, in order
};

void run(const Opts& o) {
  if (o.help_config) {
    std::cout << "# Every key of an experiment config, with its default and help (TOML; JSON files use the\n"
                 "# same structure). Relative paths resolve against the config file's folder.\n"
              << describe_config(nullptr);
    return;
  }
  if (o.config.empty()) fail("give a config file (treerec experiment CONFIG --out DIR), or --help-config");
  ConfigDocument doc = read_config_document(o.config);
  for (const std::string& a : o.overrides) apply_config_override(doc, a);
  ExperimentConfig config = experiment_config(doc);
  if (o.threads >= 0) config.threads = o.threads;
  if (o.print_config) {
    std::cout << "# " << o.config << " with every default filled in\n" << describe_config(&config);
    return;
  }
  if (o.out.empty()) fail("--out DIR is required: the folder for the report and the methods' work");
  stop_on_signals();  // SIGINT/SIGTERM: stop at the next training checkpoint or between methods
  ExperimentHooks hooks;
  hooks.log = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
  };
  const ExperimentReport report = run_experiment(config, o.out, hooks);
  std::string failed;
  for (const auto& m : report.methods)
    if (!m.ok()) failed += (failed.empty() ? "" : ", ") + m.name;
  if (!failed.empty()) fail("method(s) failed: ", failed, " (see ", o.out, "/summary.md)");
}

const Command kCmd(90, [](CLI::App& app) {
  auto* cmd = app.add_subcommand("experiment", "run the paper's comparison from a config file and write its report");
  cmd->footer(
      "Writes into DIR: results.json, results.csv, differences.csv, summary.md, report.html, and\n"
      "methods/<name>/seed-<s>/ (models, checkpoints, result.json), one run per seed of `seeds`.\n"
      "Rerunning resumes: finished runs are not run again. Ctrl-C or SIGTERM stops at the next\n"
      "training checkpoint or between methods and exits with 130 or 143 (a second signal at once).\n"
      "See docs/EXPERIMENTS.md and `treerec experiment --help-config`.");
  auto opts = std::make_shared<Opts>();
  cmd->add_option("config", opts->config, "experiment config (.toml or .json)");
  cmd->add_option("--out,-o", opts->out, "report folder (created; reused to resume)");
  cmd->add_flag("--help-config", opts->help_config, "print every config key with its default and help, then exit");
  cmd->add_flag("--print-config", opts->print_config, "print CONFIG with every default filled in, then exit");
  cmd->add_option("--threads", opts->threads, "worker threads (overrides the config's; 0 = all cores)");
  cmd->add_option("--set", opts->overrides,
                  "KEY=VALUE: override one config key (dotted, VALUE in TOML), e.g. --set seeds=[1] "
                  "--set 'run=[\"popular\", \"jtm\"]' --set methods.jtm.rounds=2; repeatable")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->callback([opts] { run(*opts); });
});

}  // namespace
}  // namespace treerec::cli
