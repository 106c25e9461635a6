// treerec stats: what a file holds, as a table or as JSON: a dataset's sizes, a tree's shape
// and fingerprints, a tree model's training record and parameter fingerprint (the kind is
// read from the file's magic).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "treerec/data/dataset.h"
#include "treerec/model/model_file.h"
#include "treerec/model/parameters.h"
#include "treerec/tree/tree.h"
#include "treerec/util/hash.h"

namespace treerec::cli {
namespace {

struct Opts {
  std::string dataset;
  bool json = false;
};


std::string magic_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  in.read(magic, sizeof magic);
  return in ? std::string(magic, sizeof magic) : std::string();
}

nlohmann::ordered_json tree_stats(const std::string& path) {
  const Tree t = Tree::load(path);
  return {{"kind", "tree"},
          {"file", path},
          {"builder", t.builder()},
          {"items", t.num_items()},
          {"levels", t.max_level()},
          {"nodes", t.num_nodes()},
          {"categories", t.category_ids().size()},
          {"items_xxh3", hex64(t.fingerprint())},
          {"assignment_xxh3", hex64(t.assignment_fingerprint())}};
}

// The parameters' fingerprint identifies the model: identical and resumed runs share it.
nlohmann::ordered_json model_stats(const std::string& path) {
  const TrainedModel m = load_trained_model(path);
  return {{"kind", "model"},
          {"file", path},
          {"method", m.info.method},
          {"model", m.model->kind()},
          {"tree_items", m.info.tree_items},
          {"tree_levels", m.info.tree_levels},
          {"epochs", m.info.history.size()},
          {"parameters_xxh3", hex64(parameters_fingerprint(m.model->parameters()))}};
}

void print(const nlohmann::ordered_json& j, bool json) {
  if (json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  for (const auto& [key, value] : j.items())
    std::printf("%-18s %s\n", key.c_str(), value.is_string() ? value.get<std::string>().c_str() : value.dump().c_str());
}

void run(const Opts& o) {
  const std::string magic = magic_of(o.dataset);
  if (magic == "TRECTREE") return print(tree_stats(o.dataset), o.json);
  if (magic == "TRECMODL") return print(model_stats(o.dataset), o.json);
  const Dataset d = Dataset::load(o.dataset);
  const nlohmann::json j = dataset_stats(d);
  if (o.json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::string types;
  for (const auto& t : j["behavior_types"]) types += (types.empty() ? "" : ", ") + t.get<std::string>();
  auto row = [](const char* name, const std::string& value) { std::printf("%-18s %s\n", name, value.c_str()); };
  row("dataset", o.dataset);
  row("input", j["input"].get<std::string>() + " (" + j["format"].get<std::string>() + ")");
  row("users", j["users"].dump() + " (train " + j["train_users"].dump() + ", valid " + j["valid_users"].dump() +
                   ", test " + j["test_users"].dump() + ")");
  row("items", j["items"].dump());
  row("categories", j["categories"].dump());
  row("records", j["records"].dump() + " (of " + j["records_read"].dump() + " read)");
  row("behavior types", types);
  char mean[32];
  std::snprintf(mean, sizeof mean, "%.1f", j["mean_sequence_length"].get<double>());
  row("sequence length", "min " + j["min_sequence_length"].dump() + ", mean " + mean + ", max " +
                             j["max_sequence_length"].dump() + " (min records " + j["min_records"].dump() + ")");
  row("train samples", j["train_samples"].dump());
  row("split seed", j["split_seed"].dump());
}

const Command kCmd(30, [](CLI::App& app) {
  auto* cmd = app.add_subcommand("stats", "describe a dataset (users, items, splits, samples), a tree (shape, "
                                           "fingerprints) or a tree model (training, parameters' fingerprint)");
  auto opts = std::make_shared<Opts>();
  cmd->add_option("file", opts->dataset, "a dataset ('treerec prepare'), tree ('treerec tree init') or tree model "
                                         "('treerec train') file")->required();
  cmd->add_flag("--json", opts->json, "print JSON instead of a table");
  cmd->callback([opts] { run(*opts); });
});

}  // namespace
}  // namespace treerec::cli
