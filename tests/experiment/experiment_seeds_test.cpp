// The experiment over several seeds: one run per (method, seed) in its own folder, the seed's
// validation users and result_of, per-user values in the same order every seed, intervals
// computed from them, and resuming run by run (a run that read another's result runs again
// when that result changes).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "test_util.h"
#include "treerec/data/dataset.h"
#include "treerec/eval/evaluate.h"
#include "treerec/eval/intervals.h"
#include "treerec/eval/popularity.h"
#include "treerec/eval/validation.h"
#include "treerec/experiment/experiment_report.h"
#include "treerec/experiment/experiment_runner.h"

namespace treerec {
namespace {

namespace fs = std::filesystem;

std::map<std::string, int> calls;  // runs per injected method

MethodOutcome lists_of(const MethodContext& ctx, const std::function<std::vector<std::uint32_t>(std::uint32_t)>& list) {
  MethodOutcome o;
  RankedListsBuilder b(ctx.users.size(), ctx.top);
  for (std::size_t q = 0; q < ctx.users.size(); ++q) {
    std::vector<std::uint32_t> items = list(ctx.users[q]);
    if (items.size() > ctx.top) items.resize(ctx.top);
    const std::vector<float> scores(items.size(), 1.0f);
    b.set(q, items, scores, 0);
  }
  o.lists = std::move(b).finish();
  return o;
}

void check_context(const MethodContext& ctx) {
  // The seed's own validation sample, the same for every method of that seed.
  EXPECT_EQ(std::vector<std::uint32_t>(ctx.valid_users.begin(), ctx.valid_users.end()),
            validation_users(ctx.dataset, 8, ctx.seed));
  EXPECT_EQ(fs::path(ctx.work_dir).filename().string(), "seed-" + std::to_string(ctx.seed));
}

// Lists that depend on the seed, a history over two rounds and a rounds table.
MethodOutcome run_noisy(const MethodContext& ctx) {
  ++calls["noisy"];
  check_context(ctx);
  const auto shift = ctx.settings.at("shift").get<std::uint32_t>();
  MethodOutcome o = lists_of(ctx, [&](std::uint32_t) {
    std::vector<std::uint32_t> items;
    for (std::uint32_t i = 0; i < ctx.top; ++i)
      items.push_back(static_cast<std::uint32_t>((shift + 7 * ctx.seed + i) % ctx.dataset.num_items()));
    return items;
  });
  // Validated at M = 200 whatever the top, as the joint loop does.
  const nlohmann::json valid = {{"recall@50", 0.05}, {"recall@100", 0.08}, {"recall@200", 0.10}};
  o.history = {{{"epoch", 1}, {"round", 1}, {"valid_score", 0.10}, {"valid", valid}, {"loss", 0.7}},
               {{"epoch", 2}, {"round", 1}, {"valid_score", 0.12}, {"loss", 0.6}},
               {{"epoch", 1}, {"round", 2}, {"valid_score", 0.15}, {"loss", 0.5}}};
  o.rounds = {{{"round", 1}, {"epochs", 2}, {"best_epoch", 2}, {"kept_old", false}, {"objective_learned", -12.5}},
              {{"round", 2}, {"epochs", 1}, {"best_epoch", 1}, {"kept_old", true}, {"objective_learned", -11.0}}};
  return o;
}

// The most popular items, as `popular` gives them: a copy, for a difference of exactly zero.
MethodOutcome run_copy(const MethodContext& ctx) {
  ++calls["copy"];
  const auto popular = most_popular_items(ctx.dataset, ctx.top);
  return lists_of(ctx, [&](std::uint32_t) { return popular; });
}

// Each user's own truth: recall 1 wherever the truth fits in the list.
MethodOutcome run_oracle(const MethodContext& ctx) {
  ++calls["oracle"];
  return lists_of(ctx, [&](std::uint32_t u) {
    std::vector<std::uint32_t> t = ctx.dataset.eval_truth(u);
    std::sort(t.begin(), t.end());
    t.erase(std::unique(t.begin(), t.end()), t.end());
    return t;
  });
}

// Reads noisy's result of the same seed, as jtm-h-same-epochs reads jtm's.
MethodOutcome run_reader(const MethodContext& ctx) {
  ++calls["reader"];
  const nlohmann::json noisy = ctx.result_of("noisy");
  EXPECT_EQ(noisy.at("seed"), ctx.seed);
  EXPECT_EQ(noisy.at("rounds").size(), 2u);
  EXPECT_TRUE(ctx.result_of("oracle").is_null());  // after this one in `run`: not yet run with this seed
  return lists_of(ctx, [&](std::uint32_t) { return std::vector<std::uint32_t>{0, 1, 2}; });
}

const ExperimentMethod kNoisy{{.name = "noisy", .help = "seed-dependent lists"}, {{"shift", 0, "first item"}}, run_noisy};
const ExperimentMethod kCopy{{.name = "copy", .help = "popular's lists"}, {}, run_copy};
const ExperimentMethod kOracle{{.name = "oracle", .help = "the truth"}, {}, run_oracle};
const ExperimentMethod kReader{{.name = "reader", .help = "reads noisy"}, {}, run_reader};

ExperimentConfig seeds_config() {
  ConfigDocument doc = parse_toml_config(
      "run = [\"popular\"]\nseeds = [3, 1, 2]\ntop = 50\neval_users = 15\nmonitor_users = 8\nthreads = 2\n"
      "reference = \"popular\"\n"
      "[dataset]\nsource = \"generated\"\nvalid_users = 12\ntest_users = 20\n"
      "[generate]\nitems = 300\nusers = 120\nrecords = 6000\nseed = 3\n",
      "seeds.toml");
  ExperimentConfig c = experiment_config(doc);
  c.methods = {"popular", "noisy", "reader", "copy", "oracle"};
  c.pairs = {{"oracle", "noisy"}, {"noisy", "popular"}, {"jtm", "jtm-h"}};  // injected names: set here
  for (const auto& m : c.methods) c.method_settings[m] = nlohmann::json::object();
  c.method_settings["noisy"] = {{"shift", 0}};
  return c;
}

ExperimentHooks hooks(std::vector<std::string>* log) {
  ExperimentHooks h;
  h.log = [log](const std::string& s) { log->push_back(s); };
  h.find = [](const std::string& name) -> const ExperimentMethod& {
    for (const ExperimentMethod* m : {&kNoisy, &kCopy, &kOracle, &kReader})
      if (m->method.name == name) return *m;
    return experiment_method(name);
  };
  return h;
}

std::size_t count_logged(const std::vector<std::string>& log, const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(log.begin(), log.end(), [&](const std::string& l) { return l.find(text) != std::string::npos; }));
}

TEST(ExperimentSeeds, OneRunPerSeedWithIntervalsAndResume) {
  test::TempDir dir;
  const std::string out = dir.file("out");
  const ExperimentConfig config = seeds_config();
  std::vector<std::string> log;
  calls.clear();
  const ExperimentReport r = run_experiment(config, out, hooks(&log));
  ASSERT_TRUE(r.all_ok()) << r.methods[2].error();
  EXPECT_EQ(r.seeds, (std::vector<std::uint64_t>{3, 1, 2}));
  EXPECT_EQ(calls, (std::map<std::string, int>{{"noisy", 3}, {"reader", 3}, {"copy", 3}, {"oracle", 3}}));
  EXPECT_EQ(count_logged(log, "] popular (seed 3): running"), 1u);
  EXPECT_EQ(count_logged(log, "[15/15] oracle (seed 2): running"), 1u);  // seed by seed, in the config's order
  for (const auto& m : config.methods)
    for (std::uint64_t s : config.seeds)
      EXPECT_TRUE(fs::exists(out + "/methods/" + m + "/seed-" + std::to_string(s) + "/result.json")) << m << " " << s;

  // Per seed: the same users in the same order, per-user values whose mean is the metric.
  const MethodSummary* noisy = r.find("noisy");
  ASSERT_NE(noisy, nullptr);
  ASSERT_EQ(noisy->runs.size(), 3u);
  std::vector<double> recalls;
  for (const MethodResult& run : noisy->runs) {
    ASSERT_EQ(run.user_recall.size(), r.users.size());
    double sum = 0;
    for (double x : run.user_recall) sum += x;
    EXPECT_NEAR(sum / static_cast<double>(r.users.size()), run.metric("recall", 50), 1e-12);
    recalls.push_back(run.metric("recall", 50));
  }
  EXPECT_EQ(noisy->runs[0].seed, 3u);
  // The interval over seeds by hand: mean ± t_{0.975,2} · sd / sqrt(3).
  const double mean = (recalls[0] + recalls[1] + recalls[2]) / 3;
  double sq = 0;
  for (double x : recalls) sq += (x - mean) * (x - mean);
  EXPECT_NEAR(noisy->recall.mean, mean, 1e-15);
  EXPECT_NEAR(noisy->metric("recall", 50), mean, 1e-15);
  EXPECT_NEAR(noisy->recall.half_width, 4.302653 * std::sqrt(sq / 2) / std::sqrt(3.0), 1e-6);
  EXPECT_EQ(r.find("popular")->recall.half_width, 0.0);  // popular does not depend on the seed

  // Differences: every method against the reference, then the pairs not yet listed; a pair
  // with a method not run is skipped.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& d : r.differences) pairs.emplace_back(d.a, d.b);
  EXPECT_EQ(pairs, (std::vector<std::pair<std::string, std::string>>{
                       {"noisy", "popular"}, {"reader", "popular"}, {"copy", "popular"}, {"oracle", "popular"},
                       {"oracle", "noisy"}}));
  const PairedDifference& copy = r.differences[2];
  EXPECT_TRUE(copy.against_reference);
  EXPECT_EQ(copy.users.low, 0.0);
  EXPECT_EQ(copy.users.high, 0.0);
  EXPECT_EQ(copy.verdict("Copy", "Most popular"), "within noise");
  const PairedDifference& oracle = r.differences[4];
  EXPECT_FALSE(oracle.against_reference);
  EXPECT_EQ(oracle.verdict("oracle", "noisy"), "oracle better");
  const BootstrapInterval by_hand = paired_bootstrap(r.find("oracle")->user_recall, noisy->user_recall);
  EXPECT_EQ(oracle.users.low, by_hand.low);
  EXPECT_EQ(oracle.users.high, by_hand.high);

  // The files: intervals and differences in every format.
  const auto results = nlohmann::json::parse(test::read_file(out + "/results.json"));
  EXPECT_EQ(results["seeds"], nlohmann::json({3, 1, 2}));
  EXPECT_EQ(results["methods"][1]["runs"].size(), 3u);
  EXPECT_EQ(results["methods"][1]["runs"][1]["seed"], 1);
  EXPECT_EQ(results["methods"][1]["intervals"]["recall@50"]["n"], 3);
  EXPECT_TRUE(results["methods"][1]["intervals"]["recall@50_users"].contains("low"));
  EXPECT_EQ(results["differences"].size(), 5u);
  EXPECT_EQ(results["differences"][2]["verdict"], "within noise");
  const std::string md = test::read_file(out + "/summary.md");
  EXPECT_NE(md.find("## Table 3: paired differences in recall@50"), std::string::npos) << md;
  EXPECT_NE(md.find("| copy − Most popular | 0.00 pp | [0.00, 0.00] pp | ± 0.00 pp | 3 | within noise |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| oracle − noisy | +"), std::string::npos);
  EXPECT_NE(md.find("| oracle better |"), std::string::npos);
  EXPECT_NE(md.find("| Most popular | 3/3 | "), std::string::npos);
  EXPECT_NE(md.find("## Tree-learning rounds (seed 3)"), std::string::npos);
  EXPECT_NE(md.find("| noisy | 1 | 2/2 | – | – | -12.5 | no | – | – |"), std::string::npos) << md;
  EXPECT_NE(test::read_file(out + "/results.csv").find(",recall@50_users_low,recall@50_users_high,"),
            std::string::npos);
  const std::string diffs = test::read_file(out + "/differences.csv");
  EXPECT_EQ(std::count(diffs.begin(), diffs.end(), '\n'), 6);
  EXPECT_NE(diffs.find("\ncopy,popular,true,3 1 2,0.000000,0.000000,0.000000,0.000000,within noise\n"),
            std::string::npos)
      << diffs;
  const std::string html = test::read_file(out + "/report.html");
  EXPECT_NE(html.find("Paired differences in recall@50"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"noise\">within noise</td>"), std::string::npos);
  EXPECT_NE(html.find("noisy: validation recall@200 by epoch (seed 3)"), std::string::npos);
  EXPECT_NE(html.find(">round 2</text>"), std::string::npos);  // the round boundary
  EXPECT_EQ(html.find("<script"), std::string::npos);

  // Killed after some runs: only the missing run runs again; the run that read it (reader,
  // same seed) is reused, since what it read has the same identity.
  fs::remove(out + "/methods/noisy/seed-1/result.json");
  calls.clear();
  log.clear();
  const ExperimentReport again = run_experiment(config, out, hooks(&log));
  EXPECT_EQ(calls, (std::map<std::string, int>{{"noisy", 1}}));
  EXPECT_EQ(count_logged(log, "finished in an earlier run"), 14u);
  EXPECT_EQ(again.find("noisy")->recall.half_width, noisy->recall.half_width);
  EXPECT_EQ(again.differences[4].users.low, oracle.users.low);

  // Another setting of noisy: noisy runs again for every seed, and so does reader, which read it.
  ExperimentConfig changed = config;
  changed.method_settings["noisy"]["shift"] = 5;
  calls.clear();
  log.clear();
  run_experiment(changed, out, hooks(&log));
  EXPECT_EQ(calls, (std::map<std::string, int>{{"noisy", 3}, {"reader", 3}}));

  // Fewer seeds: the runs of the seeds kept are reused.
  ExperimentConfig fewer = changed;
  fewer.seeds = {2};
  calls.clear();
  const ExperimentReport one = run_experiment(fewer, out, hooks(&log));
  EXPECT_TRUE(calls.empty());
  EXPECT_FALSE(one.find("noisy")->recall.has_interval());
  EXPECT_NE(test::read_file(out + "/summary.md").find("| noisy | 1/1 | "), std::string::npos);
}

}  // namespace
}  // namespace treerec
