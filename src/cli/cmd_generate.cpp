// treerec generate: writes a synthetic UserBehavior-format log with a planted item hierarchy
// (docs/GENERATOR.md).
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/param_flags.h"
#include "treerec/io/output_paths.h"
#include "treerec/data/generator.h"
#include "treerec/util/error.h"

namespace treerec::cli {
namespace {

struct Opts {
  GeneratorOptions gen;
  std::string out;
  std::string truth;
};

void run(const Opts& opts) {
  check_outputs_are_not_inputs({{"--out", opts.out}, {"--truth", opts.truth}}, {});
  const auto start = std::chrono::steady_clock::now();
  const GeneratorSummary s = generate_behavior_log(opts.gen, opts.out, opts.truth);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "generate: wrote %llu rows for %llu users to %s (%llu of %llu items used, %llu "
               "categories; hidden tree: %llu leaf groups at level %u, %llu interest nodes at "
               "level %u) in %.1f s\n",
               static_cast<unsigned long long>(s.rows), static_cast<unsigned long long>(s.users),
               opts.out.c_str(), static_cast<unsigned long long>(s.items_used),
               static_cast<unsigned long long>(opts.gen.items),
               static_cast<unsigned long long>(s.categories),
               static_cast<unsigned long long>(s.shape.leaf_groups), s.shape.hidden_levels,
               static_cast<unsigned long long>(s.shape.interest_nodes), s.shape.interest_level,
               seconds);
  if (!opts.truth.empty())
    std::fprintf(stderr, "generate: wrote the hidden structure to %s\n", opts.truth.c_str());
}

const Command kCmd(10, [](CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "generate", "write a synthetic UserBehavior-format log with a planted item hierarchy");
  cmd->footer(
      "Output: CSV rows user,item,category,behavior,timestamp (no header), grouped by user,\n"
      "each user's rows in time order; behaviours pv/cart/fav/buy; timestamps in\n"
      "2017-11-25..2017-12-03 (UTC+8). Ids: users 1..N, items 1..N, categories 1..N.\n"
      "The same flags give a byte-identical file for any --threads.\n"
      "--truth TSV columns (header line, one row per item in id order):\n"
      "  item           item id as in the CSV\n"
      "  leaf_group     hidden leaf group (0-based; 32..63 items each)\n"
      "  code           that group's code in the hidden binary tree (root 0, children 2c+1, 2c+2)\n"
      "  interest_node  ancestor of the group at the interest level (0-based): users'\n"
      "                 interests are these nodes\n"
      "  category       item category as in the CSV\n"
      "  home_category  the category aligned with the item's place in the hidden tree\n"
      "See docs/GENERATOR.md.\n");
  auto opts = std::make_shared<Opts>();
  GeneratorOptions& g = opts->gen;
  cmd->add_option("--out", opts->out, "output CSV file")->required();
  add_param_flags(cmd, generator_params(), g,
                  {"items", "users", "records", "seed", "categories", "category_agreement"});
  cmd->add_option("--truth", opts->truth, "also write the hidden hierarchy as TSV (columns below)");
  add_threads_option(cmd, g.threads);
  cmd->callback([opts] { run(*opts); });
});

}  // namespace
}  // namespace treerec::cli
