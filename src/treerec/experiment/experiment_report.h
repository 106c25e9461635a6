// The report of `treerec experiment` (experiment_runner.h), written into its folder:
//   results.json  the config, the dataset's sizes and, per method, its metrics at every
//                 cutoff, per-epoch history, per-round table, timings and extra figures
//   results.csv   one row per method: P/R/F at 10, 50, 100, 200 and train/retrieve seconds
//   summary.md    table 1: methods by P/R/F@200 (or @top); table 2: the TDM / JTM-HI / JTM-H
//                 (/ JTM) ablation; notes on failed methods
//   report.html   one self-contained page (inline CSS and SVG, no script, no network): the
//                 tables and charts of recall@M, tree-learning rounds, loss per epoch and time
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

// A row of the ablation table (the paper's Table 3): the tree model's variants that were run.
struct AblationRow {
  const char* method;    // tdm, jtm-hi, jtm-h, jtm
  const char* tree;      // "category" or "learned"
  const char* features;  // the behaviour representation (SPEC §4)
  const char* learning;  // tree learning or not
  const MethodResult* result;
};
std::vector<AblationRow> ablation_rows(const ExperimentReport& report);

std::string results_csv(const ExperimentReport& report);
std::string summary_markdown(const ExperimentReport& report);
std::string html_report(const ExperimentReport& report);  // html_report.cpp

// Writes the four files into `dir` (which must exist).
void write_report(const ExperimentReport& report, const std::string& dir);

// Writes `text` to `path` through AtomicFile (complete or not at all).
void write_text_atomically(const std::string& path, std::string_view text);

}  // namespace treerec
