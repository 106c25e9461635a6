// treerec stats: a dataset's sizes, as a table or as JSON.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "treerec/data/dataset.h"

namespace treerec::cli {
namespace {

struct Opts {
  std::string dataset;
  bool json = false;
};


void run(const Opts& o) {
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
  auto* cmd = app.add_subcommand("stats", "print a dataset's sizes (users, items, splits, samples)");
  auto opts = std::make_shared<Opts>();
  cmd->add_option("dataset", opts->dataset, "dataset file made by 'treerec prepare'")->required();
  cmd->add_flag("--json", opts->json, "print JSON instead of a table");
  cmd->callback([opts] { run(*opts); });
});

}  // namespace
}  // namespace treerec::cli
