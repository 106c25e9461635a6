// The experiment runner on generated data with injected methods: metrics computed by hand,
// failures reported without stopping the run, resume, and the report files.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <set>

#include "test_util.h"
#include "treerec/data/dataset.h"
#include "treerec/eval/evaluate.h"
#include "treerec/experiment/experiment_report.h"
#include "treerec/experiment/experiment_runner.h"
#include "treerec/eval/popularity.h"
#include "treerec/util/error.h"
#include "treerec/util/interrupt.h"

namespace treerec {
namespace {

namespace fs = std::filesystem;

int popular_calls = 0;

// Every user gets items shift, shift+1, ..., shift+top-1; a history and rounds to chart.
MethodOutcome run_fixed(const MethodContext& ctx) {
  ++popular_calls;
  const auto shift = ctx.settings.at("shift").get<std::uint32_t>();
  MethodOutcome o;
  for (std::size_t q = 0; q < ctx.users.size(); ++q) {
    for (std::uint32_t i = 0; i < ctx.top; ++i) {
      o.lists.items.push_back((shift + i) % ctx.dataset.num_items());
      o.lists.scores.push_back(static_cast<float>(ctx.top - i));
    }
    o.lists.offsets.push_back(o.lists.items.size());
    o.lists.scored.push_back(0);
  }
  o.history = {{{"epoch", 1}, {"loss", 0.6}}, {{"epoch", 2}, {"loss", 0.45}}};
  o.rounds = {{{"round", 1}, {"recall@50", 0.1}, {"objective", -50.0}, {"objective_old", -45.0}, {"objective_new", -50.0}},
              {{"round", 2}, {"recall@50", 0.2}, {"objective", -40.0}, {"objective_old", -35.0}, {"objective_new", -40.0}}};
  o.train_seconds = 1.5;
  o.retrieve_seconds = 0.25;
  EXPECT_FALSE(ctx.work_dir.empty());
  EXPECT_TRUE(fs::is_directory(ctx.work_dir));
  EXPECT_EQ(ctx.valid_users.size(), 5u);
  return o;
}

const ExperimentMethod kFixed{.method = {.name = "fixed", .help = "fixed lists"}, .params = {{"shift", 0, "first item"}}, .run = run_fixed};
const ExperimentMethod kBroken{.method = {.name = "broken", .help = "always fails"},
                               .params = {},
                               .run = [](const MethodContext&) -> MethodOutcome { fail("boom: no model here"); }};

ExperimentConfig generated_config() {
  ConfigDocument doc = parse_toml_config(
      "name = \"Injected\"\nrun = [\"tdm\"]\ntop = 50\neval_users = 12\nmonitor_users = 5\nthreads = 2\n"
      "[dataset]\nsource = \"generated\"\nvalid_users = 10\ntest_users = 20\n"
      "[generate]\nitems = 300\nusers = 120\nrecords = 6000\nseed = 3\n",
      "inline.toml");
  ExperimentConfig c = experiment_config(doc);
  c.methods = {"fixed", "broken"};
  c.method_settings = {{"fixed", {{"shift", 0}}}, {"broken", nlohmann::json::object()}};
  return c;
}

ExperimentHooks hooks(std::vector<std::string>* log) {
  ExperimentHooks h;
  h.log = [log](const std::string& s) { log->push_back(s); };
  h.find = [](const std::string& name) -> const ExperimentMethod& {
    if (name == "fixed") return kFixed;
    if (name == "broken") return kBroken;
    return experiment_method(name);
  };
  return h;
}

bool logged(const std::vector<std::string>& log, const std::string& text) {
  for (const auto& l : log)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

TEST(ExperimentRunner, MeasuresReportsAndResumes) {
  test::TempDir dir;
  const std::string out = dir.file("out");
  const ExperimentConfig config = generated_config();
  std::vector<std::string> log;
  popular_calls = 0;
  const ExperimentReport r = run_experiment(config, out, hooks(&log));
  EXPECT_EQ(popular_calls, 1);
  ASSERT_EQ(r.methods.size(), 2u);
  EXPECT_FALSE(r.all_ok());
  EXPECT_TRUE(r.methods[0].ok());
  EXPECT_FALSE(r.methods[1].ok());
  EXPECT_EQ(r.methods[1].error(), "seed 1: boom: no model here");
  EXPECT_TRUE(logged(log, "[2/2] broken (seed 1): FAILED: boom"));
  EXPECT_EQ(r.cutoffs, (std::vector<std::uint32_t>{10, 20, 30, 40, 50}));
  EXPECT_EQ(r.eval_users(), 12u);

  // recall@M and precision@M by hand, over the 12 test users the experiment samples.
  const Dataset d = Dataset::load(out + "/dataset.trec");
  const auto users = evaluation_users(d, Split::test, 12);
  EXPECT_EQ(r.users, users);
  const MethodResult& run = r.methods[0].runs.at(0);
  ASSERT_EQ(run.user_recall.size(), 12u);
  ASSERT_EQ(run.user_precision.size(), 12u);
  for (std::uint32_t m : r.cutoffs) {
    double recall = 0, precision = 0;
    for (std::size_t q = 0; q < users.size(); ++q) {
      const auto truth = d.eval_truth(users[q]);
      const std::set<std::uint32_t> t(truth.begin(), truth.end());
      double hits = 0;
      for (std::uint32_t i = 0; i < m; ++i) hits += t.count(i % d.num_items()) ? 1.0 : 0.0;
      recall += hits / static_cast<double>(t.size());
      precision += hits / m;
      if (m == 50) {  // each user's own values at top
        EXPECT_NEAR(run.user_recall[q], hits / static_cast<double>(t.size()), 1e-15) << q;
        EXPECT_NEAR(run.user_precision[q], hits / 50, 1e-15) << q;
      }
    }
    EXPECT_NEAR(r.methods[0].metric("recall", m), recall / 12, 1e-12) << m;
    EXPECT_NEAR(r.methods[0].metric("precision", m), precision / 12, 1e-12) << m;
  }

  // The files.
  const auto results = nlohmann::json::parse(test::read_file(out + "/results.json"));
  ASSERT_EQ(results["methods"].size(), 2u);
  EXPECT_EQ(results["methods"][0]["name"], "fixed");
  EXPECT_EQ(results["methods"][0]["runs"][0]["history"].size(), 2u);
  EXPECT_EQ(results["methods"][0]["runs"][0]["rounds"].size(), 2u);
  EXPECT_EQ(results["methods"][0]["runs"][0]["per_user"]["recall"].size(), 12u);
  EXPECT_EQ(results["evaluation"]["user_ids"], nlohmann::json(users));
  EXPECT_EQ(results["methods"][1]["status"], "failed");
  EXPECT_EQ(results["dataset"]["test_users"], 20);
  EXPECT_EQ(results["config"]["experiment"]["top"], 50);
  const std::string csv = test::read_file(out + "/results.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_NE(csv.find("\nbroken,failed,"), std::string::npos);
  EXPECT_NE(csv.find(",1.500,0.250,\n"), std::string::npos);
  // Every user got items 0..49: the share of the popular top 50 among them, and 50 of the items.
  const Dataset prepared = Dataset::load(out + "/dataset.trec");
  const auto popular = most_popular_items(prepared, 50);
  const auto low = std::count_if(popular.begin(), popular.end(), [](std::uint32_t i) { return i < 50; });
  EXPECT_DOUBLE_EQ(run.popular_overlap, static_cast<double>(low) / 50);
  EXPECT_DOUBLE_EQ(run.coverage, 50.0 / prepared.num_items());
  EXPECT_EQ(results["methods"][0]["runs"][0]["popularity"]["coverage"], run.coverage);
  const std::string md = test::read_file(out + "/summary.md");
  EXPECT_NE(md.find("| fixed | "), std::string::npos);
  EXPECT_NE(md.find("## Table 4: how much of the lists is the most-popular list"), std::string::npos);
  EXPECT_NE(md.find("broken failed: seed 1: boom: no model here"), std::string::npos);
  const std::string html = test::read_file(out + "/report.html");
  std::size_t svgs = 0;
  for (auto p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
  EXPECT_EQ(svgs, 5u);  // recall@M, round recall, round objective, loss, time (no validation history)
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://www.w3.org/2000/svg\" width"), html.find("http://"));  // the only URL: the SVG namespace
  EXPECT_TRUE(fs::exists(out + "/methods/fixed/seed-1/result.json"));
  EXPECT_FALSE(fs::exists(out + "/methods/broken/seed-1/result.json"));  // a failed run runs again next time

  // Again: the finished method is not rerun; the failed one is.
  log.clear();
  const ExperimentReport again = run_experiment(config, out, hooks(&log));
  EXPECT_EQ(popular_calls, 1);
  EXPECT_TRUE(again.methods[0].reused());
  EXPECT_EQ(again.methods[0].metrics, r.methods[0].metrics);
  EXPECT_EQ(again.methods[0].runs[0].user_recall, run.user_recall);
  EXPECT_TRUE(logged(log, "reusing " + out + "/dataset.trec"));
  EXPECT_TRUE(logged(log, "[1/2] fixed (seed 1): finished in an earlier run"));
  EXPECT_TRUE(logged(log, "[2/2] broken (seed 1): running"));
  EXPECT_NE(test::read_file(out + "/summary.md").find("results of an earlier run"), std::string::npos);

  // Other settings: run again.
  ExperimentConfig changed = config;
  changed.method_settings["fixed"]["shift"] = 7;
  log.clear();
  const ExperimentReport third = run_experiment(changed, out, hooks(&log));
  EXPECT_EQ(popular_calls, 2);
  EXPECT_FALSE(third.methods[0].reused());
  EXPECT_TRUE(logged(log, "was made with other settings"));
}

// A signal during a method (here the method sees it, as a trainer would at its next batch) stops
// the experiment: no result is recorded for the method, nothing counts as failed, and the
// next run continues with that method while keeping the finished ones.
TEST(ExperimentRunner, SignalStopsTheExperimentAndTheNextRunContinues) {
  test::TempDir dir;
  const std::string out = dir.file("out");
  ExperimentConfig config = generated_config();
  config.methods = {"fixed", "stopped"};
  config.method_settings = {{"fixed", {{"shift", 0}}}, {"stopped", {{"shift", 1}}}};
  int stopped_calls = 0;
  const ExperimentMethod stopped{.method = {.name = "stopped", .help = "stopped by a signal once"},
                                 .params = {{"shift", 0, "first item"}},
                                 .run = [&](const MethodContext& ctx) -> MethodOutcome {
                                   if (++stopped_calls == 1) {
                                     request_interrupt(SIGTERM);
                                     throw_interrupted("while training stopped");
                                   }
                                   return run_fixed(ctx);
                                 }};
  std::vector<std::string> log;
  ExperimentHooks h = hooks(&log);
  h.find = [&](const std::string& name) -> const ExperimentMethod& { return name == "stopped" ? stopped : kFixed; };
  popular_calls = 0;
  try {
    run_experiment(config, out, h);
    ADD_FAILURE() << "the experiment went on after the signal";
  } catch (const Interrupted& e) {
    EXPECT_EQ(e.signal(), SIGTERM);
    EXPECT_EQ(std::string(e.what()), "stopped by SIGTERM while training stopped");
  }
  clear_interrupt();
  EXPECT_FALSE(logged(log, "FAILED"));
  EXPECT_FALSE(fs::exists(out + "/methods/stopped/seed-1/result.json"));
  EXPECT_TRUE(fs::exists(out + "/methods/fixed/seed-1/result.json"));
  EXPECT_EQ(popular_calls, 1);

  // A signal that arrives between methods stops before the next one.
  request_interrupt(SIGINT);
  EXPECT_THROW(run_experiment(config, out, h), Interrupted);
  clear_interrupt();
  EXPECT_EQ(stopped_calls, 1);

  const ExperimentReport r = run_experiment(config, out, h);
  EXPECT_TRUE(r.all_ok());
  EXPECT_EQ(stopped_calls, 2);
  EXPECT_EQ(popular_calls, 2);  // fixed was reused, stopped ran once more (through run_fixed)
}

TEST(ExperimentRunner, ReportCutoffs) {
  EXPECT_EQ(report_cutoffs(200).size(), 20u);
  EXPECT_EQ(report_cutoffs(25), (std::vector<std::uint32_t>{10, 20, 25}));
  EXPECT_EQ(report_cutoffs(55), (std::vector<std::uint32_t>{10, 20, 30, 40, 50, 55}));
  EXPECT_EQ(report_cutoffs(5), (std::vector<std::uint32_t>{5}));
}

}  // namespace
}  // namespace treerec
