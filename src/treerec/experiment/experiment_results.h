// What `treerec experiment` measured (experiment_runner.h), before it is written out
// (experiment_report.h): one MethodResult per (method, seed) run, one MethodSummary per
// method over its seeds, and the paired differences in recall@top between methods.
//
// Every run measures the same evaluation users in the same order, and keeps each user's
// recall@top and precision@top, so that the intervals (eval/intervals.h) can be recomputed
// from results.json alone:
//   - over seeds: mean and 95 % Student's t interval of precision, recall and F at top;
//   - over users: per user, recall@top averaged over the method's finished seeds; the
//     percentile bootstrap of their mean, and, for a pair of methods, of the mean of their
//     per-user differences (the seeds both finished);
//   - a difference is "within noise" when its bootstrap interval contains 0.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "treerec/eval/intervals.h"

namespace treerec {

// One run of one method with one seed: what DIR/methods/<name>/seed-<s>/result.json holds
// (to_json), and what MethodContext::result_of gives a later method run with the same seed.
struct MethodResult {
  std::string name;
  std::uint64_t seed = 1;
  bool ok = false;
  std::string error;                   // why it failed (ok == false)
  nlohmann::json settings = nlohmann::json::object();
  nlohmann::json metrics = nlohmann::json::object();  // Metrics::json() at every cutoff
  std::uint32_t top = 0;               // M of the per-user values
  std::vector<double> user_recall;     // recall@top of every evaluation user, in the report's order
  std::vector<double> user_precision;  // precision@top, the same way
  nlohmann::json history = nlohmann::json::array();
  nlohmann::json rounds = nlohmann::json::array();
  nlohmann::json extra = nlohmann::json::object();
  // The lists' mean share of the most-popular list and the share of items they hold
  // (eval/popularity.h); negative when not measured (a result.json of an earlier version).
  double popular_overlap = -1, coverage = -1;
  double train_seconds = 0;
  double retrieve_seconds = 0;
  bool reused = false;                 // read from an earlier run's result.json

  // The metric `what` ("precision", "recall" or "f1") at cutoff M; NaN if not measured.
  double metric(const std::string& what, std::uint32_t cutoff) const;
  // {"name", "seed", "status", "settings", "metrics", "per_user": {"cutoff", "recall",
  // "precision"}, "history", "rounds", "train_seconds", "retrieve_seconds", "extra", "reused",
  // "popularity": {"popular_overlap", "coverage"}}, and "error" when it failed.
  nlohmann::json to_json() const;
  static MethodResult from_json(const nlohmann::json& j);  // throws Error naming a bad field
};

// One method over the experiment's seeds.
struct MethodSummary {
  std::string name;
  nlohmann::json settings = nlohmann::json::object();
  std::vector<MethodResult> runs;  // one per seed, in the order of the experiment's seeds

  // Filled by summarize() from the runs that finished:
  std::vector<std::uint64_t> finished_seeds;
  nlohmann::json metrics = nlohmann::json::object();  // the mean of every metric
  SeedInterval precision, recall, f1;                 // at top, over seeds
  std::vector<double> user_recall;                    // per evaluation user: recall@top, mean over seeds
  BootstrapInterval recall_users;                     // bootstrap over users of user_recall's mean
  double train_seconds = 0, retrieve_seconds = 0;     // means

  bool ok() const;            // every seed finished
  bool any_ok() const;        // at least one seed finished
  bool reused() const;        // every run came from an earlier experiment
  std::string error() const;  // "seed 2: message; seed 3: message" for the failed runs
  // The mean of `what` at cutoff M over the finished seeds; NaN when none finished.
  double metric(const std::string& what, std::uint32_t cutoff) const;
  const MethodResult* run_for(std::uint64_t seed) const;  // null when it did not run
  // The run of the first seed if it finished, else the first finished run (charts, rounds).
  const MethodResult* first_run() const;
  // {"name", "status", "error"?, "settings", "seeds", "finished_seeds", "metrics",
  //  "intervals": {"precision@M", "recall@M", "f1@M" (over seeds), "recall@M_users"},
  //  "train_seconds", "retrieve_seconds", "reused", "runs": [MethodResult::to_json()]}
  nlohmann::json to_json(std::uint32_t top) const;
};

// recall@top of a minus that of b, on the same evaluation users.
struct PairedDifference {
  std::string a, b;
  bool against_reference = false;     // a row of "every method against the reference"
  std::vector<std::uint64_t> seeds;   // the seeds both finished
  BootstrapInterval users;            // paired bootstrap over users of the seed-averaged recall
  SeedInterval over_seeds;            // Student's t over the per-seed differences

  bool within_noise() const { return users.contains_zero(); }
  // "within noise", "<a> better" or "<b> better", with the names given.
  std::string verdict(const std::string& a_name, const std::string& b_name) const;
  nlohmann::json to_json() const;
};

struct ExperimentReport {
  std::string title;
  nlohmann::json config;      // ExperimentConfig::to_json()
  nlohmann::json dataset;     // the dataset's sizes
  std::uint32_t top = 200;
  std::vector<std::uint32_t> cutoffs;
  std::vector<std::uint32_t> users;  // the evaluation users: the order of every per-user value
  std::vector<std::uint64_t> seeds;  // the experiment's seeds, in order
  std::string reference;             // config `reference`
  std::vector<std::pair<std::string, std::string>> pairs;  // config `pairs`
  std::vector<MethodSummary> methods;       // in the config's order
  std::vector<PairedDifference> differences;  // filled by summarize()

  std::size_t eval_users() const { return users.size(); }
  bool all_ok() const;
  const MethodSummary* find(const std::string& name) const;
  nlohmann::json to_json() const;  // the content of results.json
};

// Fills every method's summary fields from its runs, then `differences`: every method with a
// finished run against `reference` (when that was run), then each of `pairs` whose methods
// both ran and that is not already listed (either way round). Bootstraps use
// kBootstrapResamples and kBootstrapSeed; the result does not depend on `threads`.
void summarize(ExperimentReport& report, int threads = 0);

}  // namespace treerec
