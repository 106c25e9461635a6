// treerec stats: a dataset's sizes, as a table or as JSON.
#include <algorithm>
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

nlohmann::json dataset_stats(const Dataset& d) {
  std::uint64_t min_len = 0, max_len = 0;
  for (std::uint32_t u = 0; u < d.num_users(); ++u) {
    const std::uint64_t len = d.sequence(u).size();
    min_len = u == 0 ? len : std::min(min_len, len);
    max_len = std::max(max_len, len);
  }
  nlohmann::json types = nlohmann::json::array();
  for (std::size_t t = 0; t < d.behavior_types().size(); ++t) types.push_back(d.behavior_types()[t]);
  const auto& o = d.options();
  const auto& s = d.source();
  return {
      {"users", d.num_users()},
      {"items", d.num_items()},
      {"categories", d.num_categories()},
      {"records", d.num_records()},
      {"train_users", d.users(Split::train).size()},
      {"valid_users", d.users(Split::valid).size()},
      {"test_users", d.users(Split::test).size()},
      {"train_samples", d.num_train_samples()},
      {"behavior_types", types},
      {"min_sequence_length", min_len},
      {"mean_sequence_length", d.num_users() ? static_cast<double>(d.num_records()) / d.num_users() : 0.0},
      {"max_sequence_length", max_len},
      {"min_records", o.min_records},
      {"seed", o.seed},
      {"input", s.input},
      {"format", s.format},
      {"records_read", s.records_read},
      {"skipped_lines", s.skipped_lines},
  };
}

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
  row("split seed", j["seed"].dump());
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
