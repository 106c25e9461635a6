// treerec prepare: reads a behaviour log, builds the dataset (ALGORITHMS §2) and saves it.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
#include "cli/param_flags.h"
#include "treerec/io/output_paths.h"
#include "treerec/data/behavior_log.h"
#include "treerec/data/dataset.h"
#include "treerec/data/split.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"
#include "treerec/util/timing.h"

namespace treerec::cli {
namespace {

struct Opts {
  ReadOptions read;
  PrepareOptions prep;
  std::string out;
  std::string extend;  // an earlier dataset whose items keep their ids
  int threads = 0;
};

void run(Opts& o) {
  check_outputs_are_not_inputs({{"--out", o.out}},
                               {{"--input", o.read.input}, {"--side-file", o.read.side_file}, {"--extend", o.extend}});
  const auto t0 = std::chrono::steady_clock::now();
  // Every flag was checked as it was parsed, before the (long) read.
  PrepareOptions& prep = o.prep;
  prep.threads = o.threads;
  o.read.threads = o.threads;
  set_default_threads(o.threads);

  BehaviorLog log = read_behavior_log(o.read);
  const double read_s = seconds_since(t0);
  const std::uint64_t records_read = log.records();
  std::fprintf(stderr, "read %llu records from %s in %.2f s", static_cast<unsigned long long>(records_read),
               o.read.input.c_str(), read_s);
  if (log.skipped_lines > 0)
    std::fprintf(stderr, " (%llu bad lines skipped)", static_cast<unsigned long long>(log.skipped_lines));
  if (log.items_without_category > 0)
    std::fprintf(stderr, " (%llu items without a category)",
                 static_cast<unsigned long long>(log.items_without_category));
  std::fprintf(stderr, "\n");
  if (log.items_with_several_categories > 0)
    std::fprintf(stderr, "note: %llu items have more than one category (first: %s); each keeps the first one seen\n",
                 static_cast<unsigned long long>(log.items_with_several_categories),
                 log.several_categories_example.c_str());

  DatasetSource source{o.read.input, log_format_name(o.read.format), o.read.side_file, 0, 0};
  std::unique_ptr<const Dataset> base;
  if (!o.extend.empty()) base = std::make_unique<const Dataset>(Dataset::load(o.extend));
  const Dataset d = Dataset::build(std::move(log), prep, std::move(source), base.get());
  if (base)
    std::fprintf(stderr, "extends %s: its %u items keep their ids; %u new items follow\n", o.extend.c_str(),
                 base->num_items(), d.num_items() - base->num_items());
  d.save(o.out);
  const double total_s = seconds_since(t0);
  std::fprintf(stderr, "kept %u users, %u items, %u categories, %llu records (users with >= %u records)\n",
               d.num_users(), d.num_items(), d.num_categories(),
               static_cast<unsigned long long>(d.num_records()), prep.min_records);
  std::fprintf(stderr, "split: %zu train, %zu validation, %zu test users; %llu train samples\n",
               d.users(Split::train).size(), d.users(Split::valid).size(), d.users(Split::test).size(),
               static_cast<unsigned long long>(d.num_train_samples()));
  std::fprintf(stderr, "wrote %s in %.2f s (%.0f records/s)\n", o.out.c_str(), total_s,
               total_s > 0 ? static_cast<double>(records_read) / total_s : 0.0);
}

const Command kCmd(20, [](CLI::App& app) {
  auto* cmd = app.add_subcommand("prepare", "read a behaviour log and build a dataset file (filter, sort, split)");
  auto opts = std::make_shared<Opts>();
  cmd->add_option("--input", opts->read.input, "behaviour log")->required();
  cmd->add_option("--out", opts->out, "dataset file to write")->required();
  add_param_flags(cmd, read_params(), opts->read,
                  {"format", "side_file", "user_col", "item_col", "category_col", "time_col", "behavior_col",
                   "delimiter", "skip_bad_lines"});
  add_param_flags(cmd, prepare_params(), opts->prep, {"min_records", "valid_users", "test_users", "split_seed"});
  cmd->add_option("--extend", opts->extend,
                  "a dataset of an earlier log: its items and categories keep their ids and come first, the new "
                  "log's other items follow (for `treerec tree add-items`)");
  add_threads_option(cmd, opts->threads);
  cmd->callback([opts] { run(*opts); });
});

}  // namespace
}  // namespace treerec::cli
