// The report of `treerec experiment` (experiment_runner.h, experiment_results.h), written
// into its folder:
//   results.json      the config, the dataset's sizes, the evaluation users and, per method,
//                     the means over seeds, the intervals, and every seed's run (metrics at
//                     every cutoff, per-user recall and precision at top, per-epoch history,
//                     per-round table, timings, extra figures); the paired differences
//   results.csv       one row per method: P/R/F at 10, 50, 100, 200 (means over seeds), the
//                     intervals at top, train/retrieve seconds
//   differences.csv   one row per paired difference in recall@top
//   summary.md        table 1: methods by P/R/F@top with their intervals; table 2: the TDM /
//                     JTM-HI / JTM-H (/ JTM) ablation; table 3: paired differences; the
//                     tree-learning rounds; notes on failed methods
//   report.html       one self-contained page (inline CSS and SVG, no script, no network): the
//                     tables, and charts of recall@M, tree-learning rounds, loss and
//                     validation recall per epoch, and time
// Every file is written atomically.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "treerec/experiment/experiment_runner.h"

namespace treerec {

// The paper's name of a method ("jtm-hi" -> "JTM-HI", "itemcf" -> "Item-CF"); else the name.
std::string method_title(const std::string& name);
// A fraction as a percentage with two decimals ("12.34 %"); "–" for NaN.
std::string percent(double fraction);
// A mean over seeds with the half width of its 95 % interval: "12.34 ± 0.56 %" ("12.34 %"
// for one seed, "–" for none).
std::string percent_interval(const SeedInterval& s);
// A bootstrap interval of fractions as percentages: "[11.90, 12.80] %".
std::string percent_range(const BootstrapInterval& b);
// A difference of fractions in percentage points, signed: "+0.42 pp"; "–" for NaN.
std::string points(double difference);
// A range of differences in percentage points: "[-0.10, +0.95] pp".
std::string points_range(double low, double high);

// A row of the ablation table (the paper's Table 3): the tree model's variants that were run.
struct AblationRow {
  const char* method;    // tdm, jtm-hi, jtm-h, jtm, jtm-h-same-epochs
  const char* tree;      // "category" or "learned"
  const char* features;  // the behaviour representation (ALGORITHMS §4)
  const char* learning;  // tree learning or not
  const MethodSummary* result;
};
std::vector<AblationRow> ablation_rows(const ExperimentReport& report);

// One row of the tree-learning rounds table: a round of a joint method's first finished run.
struct RoundRow {
  std::string method;
  std::uint64_t seed = 0;
  const nlohmann::json* round;  // the round's object (MethodOutcome::rounds)
};
std::vector<RoundRow> round_rows(const ExperimentReport& report);
// A round's epochs as "best_epoch/epochs" ("3/6"), or its epochs alone without a best epoch.
std::string round_epochs(const nlohmann::json& round);

std::string results_csv(const ExperimentReport& report);
std::string differences_csv(const ExperimentReport& report);
std::string summary_markdown(const ExperimentReport& report);
std::string html_report(const ExperimentReport& report);  // html_report.cpp

// Writes the five files into `dir` (which must exist).
void write_report(const ExperimentReport& report, const std::string& dir);

// Writes `text` to `path` through AtomicFile (complete or not at all).
void write_text_atomically(const std::string& path, std::string_view text);

}  // namespace treerec
