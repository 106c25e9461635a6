// The report's interval tables from hand-made runs whose intervals are known by hand: means
// and Student's t half widths over seeds, bootstrap intervals over users, paired differences
// with their verdicts, in summary.md, the CSV files, results.json and report.html.
#include <gtest/gtest.h>

#include <string>

#include "treerec/experiment/experiment_report.h"
#include "treerec/experiment/experiment_results.h"

namespace treerec {
namespace {

// A finished run whose users all have recall `recall` (and precision recall / 2) at top 10.
MethodResult run_with(const std::string& name, std::uint64_t seed, double recall, std::size_t users = 4) {
  MethodResult r;
  r.name = name;
  r.seed = seed;
  r.ok = true;
  r.top = 10;
  r.user_recall.assign(users, recall);
  r.user_precision.assign(users, recall / 2);
  r.metrics = {{"users", users}, {"precision@10", recall / 2}, {"recall@10", recall}, {"f1@10", recall / 3}};
  r.train_seconds = 2;
  return r;
}

ExperimentReport hand_report() {
  ExperimentReport r;
  r.title = "hand";
  r.dataset = {{"users", 10}, {"items", 20}, {"categories", 2}, {"records", 100}, {"train_users", 6},
               {"valid_users", 0}, {"test_users", 4}};
  r.top = 10;
  r.cutoffs = {10};
  r.users = {1, 2, 3, 4};
  r.seeds = {1, 2, 3};
  r.reference = "b";
  r.pairs = {{"a", "c"}, {"b", "a"}, {"a", "absent"}};
  MethodSummary a, b, c;
  a.name = "a";
  b.name = "b";
  c.name = "c";
  const double a_recall[] = {0.125, 0.25, 0.375};  // mean 0.25, sd 0.125 (exact in binary)
  for (std::uint64_t s = 1; s <= 3; ++s) {
    a.runs.push_back(run_with("a", s, a_recall[s - 1]));
    b.runs.push_back(run_with("b", s, 0.0625));
    c.runs.push_back(run_with("c", s, 0.25));
  }
  c.runs[1] = MethodResult{};  // seed 2 failed
  c.runs[1].name = "c";
  c.runs[1].seed = 2;
  c.runs[1].error = "boom";
  r.methods = {a, b, c};
  summarize(r, 1);
  return r;
}

TEST(ExperimentReport, IntervalsByHand) {
  const ExperimentReport r = hand_report();
  const MethodSummary& a = r.methods[0];
  EXPECT_DOUBLE_EQ(a.recall.mean, 0.25);
  EXPECT_DOUBLE_EQ(a.recall.sd, 0.125);
  EXPECT_NEAR(a.recall.half_width, 4.302653 * 0.125 / std::sqrt(3.0), 1e-6);  // 0.310517
  EXPECT_EQ(percent_interval(a.recall), "25.00 ± 31.05 %");
  EXPECT_EQ(percent_interval(a.precision), "12.50 ± 15.53 %");
  // Every user has the same seed-averaged recall: a zero-width interval over users.
  EXPECT_EQ(a.recall_users.low, 0.25);
  EXPECT_EQ(a.recall_users.high, 0.25);
  EXPECT_EQ(percent_range(a.recall_users), "[25.00, 25.00] %");
  EXPECT_DOUBLE_EQ(a.train_seconds, 2);

  const MethodSummary& c = r.methods[2];  // two seeds of three
  EXPECT_FALSE(c.ok());
  EXPECT_TRUE(c.any_ok());
  EXPECT_EQ(c.finished_seeds, (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(c.error(), "seed 2: boom");
  EXPECT_EQ(c.recall.half_width, 0.0);

  // Against the reference b, then the pairs: (a, c) is new, (b, a) is listed already the other
  // way round, (a, absent) names a method not run.
  ASSERT_EQ(r.differences.size(), 3u);
  EXPECT_EQ(r.differences[0].a, "a");
  EXPECT_EQ(r.differences[1].a, "c");
  EXPECT_TRUE(r.differences[1].against_reference);
  const PairedDifference& ab = r.differences[0];
  EXPECT_DOUBLE_EQ(ab.users.mean, 0.1875);
  EXPECT_EQ(ab.users.low, ab.users.high);
  EXPECT_EQ(ab.verdict("A", "B"), "A better");
  EXPECT_NEAR(ab.over_seeds.half_width, a.recall.half_width, 1e-15);  // b is the same every seed
  const PairedDifference& ac = r.differences[2];
  EXPECT_FALSE(ac.against_reference);
  EXPECT_EQ(ac.seeds, (std::vector<std::uint64_t>{1, 3}));  // the seeds both finished
  EXPECT_DOUBLE_EQ(ac.users.mean, 0.0);  // a's mean over seeds 1 and 3 is c's 0.25
  EXPECT_EQ(ac.verdict("a", "c"), "within noise");
  EXPECT_NEAR(ac.over_seeds.half_width, 12.706205 * 0.125 * std::sqrt(2.0) / std::sqrt(2.0), 1e-6);
}

TEST(ExperimentReport, TablesShowTheIntervals) {
  const ExperimentReport r = hand_report();
  const std::string md = summary_markdown(r);
  EXPECT_NE(md.find("| a | 3/3 | 12.50 ± 15.53 % | 25.00 ± 31.05 % | "), std::string::npos) << md;
  EXPECT_NE(md.find("| [25.00, 25.00] % | 2.0 | 0.0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| c | 2/3 | 12.50 ± 0.00 % | 25.00 ± 0.00 % |"), std::string::npos) << md;
  EXPECT_NE(md.find("| a − b | +18.75 pp | [+18.75, +18.75] pp | ± 31.05 pp | 3 | a better |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("| c − b | +18.75 pp |"), std::string::npos);
  EXPECT_NE(md.find("| a − c | 0.00 pp | [0.00, 0.00] pp | ± 158.83 pp | 2 | within noise |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("- c failed: seed 2: boom"), std::string::npos);
  EXPECT_NE(md.find("3 seed(s): 1, 2, 3."), std::string::npos);

  const std::string csv = results_csv(r);
  EXPECT_NE(csv.find("\na,ok,3,3,0.125000,0.250000,0.083333,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",0.155259,0.310517,0.103506,0.250000,0.250000,2.000,0.000,\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\nc,failed,3,2,"), std::string::npos);
  const std::string diffs = differences_csv(r);
  EXPECT_NE(diffs.find("\na,b,true,1 2 3,0.187500,0.187500,0.187500,0.310517,a better\n"), std::string::npos)
      << diffs;

  const nlohmann::json j = r.to_json();
  EXPECT_EQ(j["methods"][0]["intervals"]["recall@10"]["mean"], 0.25);
  EXPECT_NEAR(j["methods"][0]["intervals"]["recall@10"]["half_width"].get<double>(), 0.310517, 1e-6);
  EXPECT_EQ(j["methods"][0]["intervals"]["recall@10_users"]["low"], 0.25);
  EXPECT_EQ(j["methods"][2]["status"], "failed");
  EXPECT_EQ(j["methods"][2]["finished_seeds"], nlohmann::json({1, 3}));
  EXPECT_EQ(j["differences"][2]["verdict"], "within noise");
  EXPECT_EQ(j["bootstrap"]["resamples"], kBootstrapResamples);
  // Every per-user value is there to recompute the intervals.
  EXPECT_EQ(j["methods"][0]["runs"][2]["per_user"]["recall"], nlohmann::json({0.375, 0.375, 0.375, 0.375}));

  const std::string html = html_report(r);
  EXPECT_NE(html.find("<td class=\"n\">25.00 ± 31.05 %</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"better\">a better</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"noise\">within noise</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"n\">± 31.05 pp</td>"), std::string::npos);
}

TEST(ExperimentReport, OneSeedHasNoIntervalOverSeeds) {
  ExperimentReport r = hand_report();
  for (MethodSummary& m : r.methods) m.runs.resize(1);
  r.seeds = {1};
  summarize(r, 1);
  EXPECT_EQ(percent_interval(r.methods[0].recall), "12.50 %");
  const std::string md = summary_markdown(r);
  EXPECT_NE(md.find("| a − b | +6.25 pp | [+6.25, +6.25] pp | – | 1 | a better |"), std::string::npos) << md;
  EXPECT_EQ(differences_csv(r).find("0.310517"), std::string::npos);
}

}  // namespace
}  // namespace treerec
