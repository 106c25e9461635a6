// `treerec experiment`: the paper's comparison (ALGORITHMS §9, §10) in one run. The dataset is
// prepared once (DIR/dataset.trec, reused while its recipe is unchanged), the category tree
// (ALGORITHMS §3) built once; then, for each seed of `seeds` in turn, every method runs in the
// config's order in DIR/methods/<name>/seed-<s>/ and is measured on the same test users, in
// the same order, at M = 10, 20, ..., top (and 50), keeping each user's recall@top and
// precision@top. Each finished run's result is written at once to its folder's result.json;
// a later run with the same identity (settings, dataset, seed, evaluation, and the results it
// read through result_of) reuses it instead of running again, so a killed experiment resumes
// where it stopped. A run that throws is recorded as failed, with its message, and the
// experiment goes on. The report (experiment_results.h, experiment_report.h) gives means and
// 95 % intervals over seeds and users.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "treerec/experiment/experiment_config.h"
#include "treerec/experiment/experiment_results.h"
#include "treerec/experiment/method.h"

namespace treerec {

// Cutoffs measured on lists of M = top items: 10, 20, ..., up to top, plus those of
// kDefaultCutoffs (10, 50, 100, 200) up to top, plus top itself; increasing.
std::vector<std::uint32_t> report_cutoffs(std::uint32_t top);

struct ExperimentHooks {
  std::function<void(const std::string&)> log;  // progress lines (stderr in the CLI)
  // Looks methods up by name (default: experiment_method); tests inject their own.
  std::function<const ExperimentMethod&(const std::string&)> find;
};

// Runs the experiment in `out_dir` (created if needed) and writes the report there
// (experiment_report.h). Throws Error when the data cannot be prepared or a file cannot be
// written; a failing method does not throw (see the report's all_ok()).
ExperimentReport run_experiment(const ExperimentConfig& config, const std::string& out_dir,
                                const ExperimentHooks& hooks = {});

}  // namespace treerec
