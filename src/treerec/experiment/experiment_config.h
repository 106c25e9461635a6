// The configuration of `treerec experiment`: which data, which split, which methods with which
// settings. Every experiment-level key is declared once in experiment_params() (key, default,
// help); the parser, the type checks, `--help-config` and docs/EXPERIMENTS.md all come from
// that list, and each method's settings from its MethodParams (method.h).
//
// A config file (TOML, or JSON with the same structure):
//   name = "Ciao"
//   run = ["tdm", "jtm-h"]          # the methods, in this order
//   [dataset]
//   source = "log"                  # file | log | generated
//   path = "../shared/data/ciao/ciao_ratings.csv"
//   [methods.tdm]
//   epochs = 2
// Relative paths resolve against the config file's folder.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "treerec/data/behavior_log.h"
#include "treerec/data/dataset.h"
#include "treerec/data/generator.h"
#include "treerec/experiment/config_file.h"

namespace treerec {

// One experiment-level setting: its dotted key, default (whose JSON type the file must use;
// an integer is accepted where the default is a float) and one line of help.
struct ConfigParam {
  std::string key;
  nlohmann::json default_value;
  std::string help;
};

// Every experiment-level key, grouped by section ("" first, then dataset, generate).
const std::vector<ConfigParam>& experiment_params();

// The default of `run`, in report order: the nine methods of the paper's comparison (ALGORITHMS §9),
// with the most-popular floor first and the jtm-h-same-epochs control after jtm.
const std::vector<std::string>& paper_methods();

struct ExperimentConfig {
  std::string path;                  // the config file ("" for defaults)
  nlohmann::json values;             // dotted key -> value, for every experiment_params() key
  std::map<std::string, nlohmann::json> method_settings;  // per method of `methods`: all its settings

  std::string name;
  std::vector<std::string> methods;  // `run`, in order, each a registered method
  std::vector<std::uint64_t> seeds = {1};  // every method runs once per seed, in this order
  std::string reference = "jtm-h";   // paired differences: every method against this one
  std::vector<std::pair<std::string, std::string>> pairs;  // ... and these (a - b)
  int threads = 0;
  std::uint32_t top = 200;           // M
  std::uint32_t eval_users = 0;      // test users measured (0 = all)
  std::uint32_t monitor_users = 0;   // validation users measured after epochs/rounds

  std::string source;                // "file", "log" or "generated"
  std::string dataset_path;          // resolved: the dataset file (file) or the log (log)
  ReadOptions read;                  // source = log
  std::string format;                // its name
  PrepareOptions prepare;            // source = log or generated
  GeneratorOptions generate;         // source = generated

  // {"experiment": values (with resolved paths), "methods": {name: settings}} for the report.
  nlohmann::json to_json() const;
  // What decides the prepared dataset (source, paths, formats, split, generator): a
  // DIR/dataset.trec made for another identity is prepared again.
  nlohmann::json dataset_identity() const;
};

// Checks every key of the document against experiment_params() and the [methods.<name>]
// tables against the registered methods (method_settings), then fills the config. Unknown
// keys, values of the wrong type or out of range, unknown methods and missing paths throw
// Error "file:line: key: what was expected" (the line for TOML files).
ExperimentConfig experiment_config(const ConfigDocument& doc);
// read_config_document + experiment_config.
ExperimentConfig load_experiment_config(const std::string& path);

// The config as TOML with every key, its value (the defaults when `config` is null) and its
// help as a comment, followed by a [methods.<name>] table for each method with its settings;
// for `--help-config`, `--print-config` and docs/EXPERIMENTS.md.
std::string describe_config(const ExperimentConfig* config);

}  // namespace treerec
