// The methods of the paper's comparison (ALGORITHMS §9) as `treerec experiment` runs them: each one
// trains on a prepared dataset and returns one ranked list of items per evaluation user; the
// experiment measures every method the same way (eval/metrics.h) and writes the report.
//
// What a method is (its name, title, help and model) is declared once in model/method.h; here
// each gets its settings and its runner, in the source file beside its code, e.g.
//   {.method = method_named("itemcf"),
//    .params = {{"neighbours", 50, "K: neighbours kept per item"}}, .run = run_itemcf}
// returned by a function of method_list.h; method_list.cpp calls them all (an explicit list,
// not static self-registration: the linker drops unreferenced objects of a static library).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "treerec/data/dataset.h"
#include "treerec/model/method.h"
#include "treerec/search/ranked_lists.h"
#include "treerec/util/params.h"

namespace treerec {

class Tree;

// One setting of a method: its name in the config, default value and one line of help. A
// setting from a parameter table (util/params.h, params_of below) has `check`, which throws
// Error naming `key` unless the value has the parameter's type and range; any other setting's
// value must have the default's JSON type.
struct MethodParam {
  std::string name;
  nlohmann::json default_value;
  std::string help;
  std::function<void(const nlohmann::json& value, const std::string& key)> check = nullptr;
};

struct MethodContext {
  const Dataset& dataset;
  const Tree& initial_tree;             // the category tree of ALGORITHMS §3, built once per experiment
  nlohmann::json settings;              // every MethodParam of the method, config values over defaults
  std::span<const std::uint32_t> users;  // the evaluation users, in this order
  Split split = Split::test;            // the split they come from (their features and truth)
  std::uint32_t top = 200;              // M: the length of each returned list
  std::uint64_t seed = 1;
  int threads = 0;                      // 0 = the process default
  // A folder of the method's own for models, trees and checkpoints: a method that finds its
  // finished outputs there may reuse them, so that a killed experiment resumes.
  std::string work_dir;
  // Progress lines for the user (stderr in the CLI); may be empty.
  std::function<void(const std::string&)> log;
  // Validation users for methods that report per-epoch or per-round recall and stop training
  // early (may be empty).
  std::span<const std::uint32_t> valid_users;
  // The result (MethodResult::to_json) of a method that ran before this one with the same seed,
  // or null: for controls that repeat another method's budget. May be empty.
  std::function<nlohmann::json(const std::string& method)> result_of;
};

struct MethodOutcome {
  RankedLists lists;                    // row q: users[q]'s top `top` items, best first
  // One object per training epoch, e.g. {"epoch": 0, "loss": 0.41, "seconds": 12.5, ...};
  // empty for methods without epochs (itemcf).
  nlohmann::json history = nlohmann::json::array();
  // One object per tree-learning round for jtm and tdm-kmeans, e.g. {"round": 1,
  // "recall@200": 0.13, "objective": -1.2e6, "items_moved": 812, "seconds": 30}; else empty.
  nlohmann::json rounds = nlohmann::json::array();
  double train_seconds = 0;
  double retrieve_seconds = 0;
  nlohmann::json extra = nlohmann::json::object();  // method-specific figures
};

using MethodRunner = std::function<MethodOutcome(const MethodContext&)>;

// A method of model/method.h as the experiment runs it (a test may declare a method of its own).
struct ExperimentMethod {
  Method method;
  std::vector<MethodParam> params;
  MethodRunner run;
};

// The methods of method_list.cpp, in name order: every method of all_methods().
std::vector<const ExperimentMethod*> experiment_methods();
// Throws Error listing the registered names when `name` is not one of them.
const ExperimentMethod& experiment_method(const std::string& name);
// The method's params with `config`'s values over the defaults. Throws Error naming the
// method and the key for an unknown key or a value of the wrong JSON type.
nlohmann::json method_settings(const ExperimentMethod& method, const nlohmann::json& config);

// Where a training stopped by a signal (util/interrupt.h) left the experiment, for
// throw_interrupted: its checkpoint, which the next run continues, or none without a work folder.
std::string training_stopped(const std::string& method, const std::string& checkpoint);

// The settings `names` of a parameter table, with the table's defaults and help.
template <typename O>
std::vector<MethodParam> params_of(const ParamTable<O>& table, const std::vector<std::string>& names) {
  std::vector<MethodParam> out;
  for (const std::string& n : names) {
    out.push_back({n, param_config_json(table.default_value(n)), param_help(table.entry(n).spec), [&table, n](const nlohmann::json& v, const std::string& key) {
                     O scratch{};
                     table.set_json(scratch, n, v, [&key](const std::string&) { return key; });
                   }});
  }
  return out;
}

// Sets every setting of ctx.settings that `table` declares into `o`, checking type and range;
// errors name the config key (methods.<method>.<key>).
template <typename O>
void apply_settings(const ParamTable<O>& table, const MethodContext& ctx, const std::string& method, O& o) {
  for (const auto& [key, value] : ctx.settings.items())
    if (table.has(key)) table.set_json(o, key, value, config_names("methods." + method + "."));
}

}  // namespace treerec
