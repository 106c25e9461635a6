// `treerec experiment`: the paper's comparison (SPEC §9, §10) in one run. The dataset is
// prepared once (DIR/dataset.trec, reused while its recipe is unchanged), the category tree
// (SPEC §3) built once, then each method runs in turn in DIR/methods/<name>/ and is measured
// on the same test users at M = 10, 20, ..., top (and 50). Each finished method's result is
// written at once to DIR/methods/<name>/result.json; a later run with the same settings
// reuses it instead of running the method again, so a killed experiment resumes where it
// stopped. A method that throws is recorded as failed, with its message, and the run goes on.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "treerec/experiment/experiment_config.h"
#include "treerec/experiment/method.h"

namespace treerec {

struct MethodResult {
  std::string name;
  bool ok = false;
  std::string error;                   // why it failed (ok == false)
  nlohmann::json settings = nlohmann::json::object();
  nlohmann::json metrics = nlohmann::json::object();  // Metrics::json() at every cutoff
  nlohmann::json history = nlohmann::json::array();
  nlohmann::json rounds = nlohmann::json::array();
  nlohmann::json extra = nlohmann::json::object();
  double train_seconds = 0;
  double retrieve_seconds = 0;
  bool reused = false;                 // read from an earlier run's result.json

  // The metric `what` ("precision", "recall" or "f1") at cutoff M; NaN if not measured.
  double metric(const std::string& what, std::uint32_t cutoff) const;
  nlohmann::json to_json() const;
  static MethodResult from_json(const nlohmann::json& j);  // throws Error naming a bad field
};

struct ExperimentReport {
  std::string title;
  nlohmann::json config;      // ExperimentConfig::to_json()
  nlohmann::json dataset;     // the dataset's sizes
  std::uint32_t top = 200;
  std::vector<std::uint32_t> cutoffs;
  std::uint64_t eval_users = 0;
  std::vector<MethodResult> methods;  // in the config's order

  bool all_ok() const;
  const MethodResult* find(const std::string& name) const;
  nlohmann::json to_json() const;  // the content of results.json
};

// Cutoffs measured on lists of M = top items: 10, 20, ..., up to top, plus those of
// kDefaultCutoffs (10, 50, 100, 200) up to top, plus top itself; increasing.
std::vector<std::uint32_t> report_cutoffs(std::uint32_t top);

struct ExperimentHooks {
  std::function<void(const std::string&)> log;  // progress lines (stderr in the CLI)
  // Looks methods up by name (default: find_method); tests inject their own.
  std::function<const MethodInfo&(const std::string&)> find;
};

// Runs the experiment in `out_dir` (created if needed) and writes the report there
// (experiment_report.h). Throws Error when the data cannot be prepared or a file cannot be
// written; a failing method does not throw (see the report's all_ok()).
ExperimentReport run_experiment(const ExperimentConfig& config, const std::string& out_dir,
                                const ExperimentHooks& hooks = {});

}  // namespace treerec
