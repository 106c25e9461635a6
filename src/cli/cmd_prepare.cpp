// treerec prepare: reads a behaviour log, builds the dataset (ALGORITHMS §2) and saves it.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.h"
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
  std::string format = "userbehavior";
  std::string delimiter;
  std::string out;
  std::string valid_users = "0.1";
  std::string test_users = "0.1";
  std::uint32_t min_records = 10;
  std::uint64_t seed = 1;
  int threads = 0;
};

char parse_delimiter(const std::string& text) {
  if (text.empty()) return 0;
  if (text == "\\t" || text == "tab") return '\t';
  if (text.size() != 1) fail("--delimiter: expected one character (or 'tab'), got '", text, "'");
  return text[0];
}

void run(Opts& o) {
  const auto t0 = std::chrono::steady_clock::now();
  // Check every flag before the (long) read.
  PrepareOptions prep;
  prep.valid_users = parse_user_count(o.valid_users, "--valid-users");
  prep.test_users = parse_user_count(o.test_users, "--test-users");
  prep.min_records = o.min_records;
  prep.seed = o.seed;
  prep.threads = o.threads;
  o.read.delimiter = parse_delimiter(o.delimiter);
  o.read.format = parse_log_format(o.format);
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

  DatasetSource source{o.read.input, o.format, o.read.side_file, 0, 0};
  const Dataset d = Dataset::build(std::move(log), prep, std::move(source));
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
  cmd->add_option("--format", opts->format, "log format")
      ->check(CLI::IsMember({"userbehavior", "amazon", "movielens", "csv"}))
      ->capture_default_str();
  cmd->add_option("--out", opts->out, "dataset file to write")->required();
  cmd->add_option("--side-file", opts->read.side_file,
                  "amazon: item,category file; movielens: movies.csv (default: beside the input)");
  cmd->add_option("--user-col", opts->read.user_col, "csv: user column name");
  cmd->add_option("--item-col", opts->read.item_col, "csv: item column name");
  cmd->add_option("--category-col", opts->read.category_col, "csv: category column name (optional)");
  cmd->add_option("--time-col", opts->read.time_col, "csv: timestamp column name (optional)");
  cmd->add_option("--behavior-col", opts->read.behavior_col, "csv: behaviour column name (optional)");
  cmd->add_option("--delimiter", opts->delimiter, "csv: field delimiter, one character or 'tab' (default: tab for *.tsv, comma otherwise)");
  cmd->add_option("--valid-users", opts->valid_users, "validation users: a count (5000) or a fraction (0.1)")
      ->capture_default_str();
  cmd->add_option("--test-users", opts->test_users, "test users: a count (5000) or a fraction (0.1)")
      ->capture_default_str();
  cmd->add_option("--min-records", opts->min_records, "drop users with fewer records")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--seed", opts->seed, "seed of the user split")->capture_default_str();
  cmd->add_flag("--skip-bad-lines", opts->read.skip_bad_lines, "skip and count malformed lines instead of failing");
  add_threads_option(cmd, opts->threads);
  cmd->callback([opts] { run(*opts); });
});

}  // namespace
}  // namespace treerec::cli
