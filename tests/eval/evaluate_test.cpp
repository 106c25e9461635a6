// evaluate() against metrics computed by hand (ALGORITHMS §10) from the lists the model retrieves.
#include "treerec/eval/evaluate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include <set>

#include "eval/eval_fixture.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/search/model_scorer.h"

namespace treerec {
namespace {

struct Fixture {
  Dataset data = test::tiny_dataset();
  Tree tree = build_category_tree(data.item_categories(), data.item_ids());
  std::unique_ptr<PreferenceModel> model = PreferenceModel::create(
      test::model_config("dnn", Representation::jtm_h, tree), 21);
  HierarchicalPreference features{Representation::jtm_h, tree};
};

// precision, recall, F of one user at cutoff m, from first principles.
std::tuple<double, double, double> by_hand(std::span<const std::uint32_t> list,
                                           const std::vector<std::uint32_t>& truth, std::uint32_t m) {
  const std::set<std::uint32_t> g(truth.begin(), truth.end());
  std::set<std::uint32_t> hits;
  for (std::size_t i = 0; i < list.size() && i < m; ++i)
    if (g.count(list[i])) hits.insert(list[i]);
  const double p = static_cast<double>(hits.size()) / m;
  const double r = static_cast<double>(hits.size()) / static_cast<double>(g.size());
  return {p, r, hits.empty() ? 0.0 : 2 * p * r / (p + r)};
}

TEST(Evaluate, MatchesMetricsComputedByHandFromTheRetrievedLists) {
  Fixture f;
  ASSERT_EQ(f.tree.num_items(), 24u);
  for (const bool brute : {false, true}) {
    for (const Split split : {Split::valid, Split::test}) {
      EvaluateOptions o;
      o.split = split;
      o.beam = 3;
      o.top = 20;
      o.brute_force = brute;
      const EvaluateResult r = evaluate(f.data, f.tree, *f.model, f.features, o);

      const auto users = f.data.users(split);
      const EvalUserHistories h(f.data, users);
      const RankedLists lists = retrieve(*f.model, f.features, f.tree, h,
                                         {.beam = 3, .top = 20, .brute_force = brute});
      ASSERT_EQ(r.metrics.users, users.size());
      ASSERT_EQ(r.metrics.at.size(), 2u);  // cutoffs 10 and M = 20
      for (const std::uint32_t m : {10u, 20u}) {
        double p = 0, rc = 0, f1 = 0;
        for (std::size_t q = 0; q < users.size(); ++q) {
          const auto [pq, rq, fq] = by_hand(lists.items_of(q), f.data.eval_truth(users[q]), m);
          p += pq;
          rc += rq;
          f1 += fq;
        }
        const double n = static_cast<double>(users.size());
        EXPECT_NEAR(r.metrics.get(m).precision, p / n, 1e-12) << m;
        EXPECT_NEAR(r.metrics.get(m).recall, rc / n, 1e-12) << m;
        EXPECT_NEAR(r.metrics.get(m).f1, f1 / n, 1e-12) << m;
      }
      double scored = 0;
      for (auto s : lists.scored) scored += static_cast<double>(s);
      EXPECT_DOUBLE_EQ(r.nodes_scored_per_user, scored / static_cast<double>(users.size()));
      if (brute) {
        EXPECT_DOUBLE_EQ(r.nodes_scored_per_user, 24.0);
      }
      EXPECT_GE(r.seconds, 0.0);
    }
  }
}

TEST(Evaluate, ExcludeSeenDropsTheFirstHalfOfEachSequenceBeforeTheCut) {
  Fixture f;
  const auto users = f.data.users(Split::test);
  const EvalUserHistories h(f.data, users);
  // Brute force ranks every item, so the lists without the seen items are the full ranking with
  // them removed, cut at M.
  const RankedLists all = retrieve(*f.model, f.features, f.tree, h, {.top = 24, .brute_force = true});
  EvaluateOptions o;
  o.split = Split::test;
  o.top = 10;
  o.brute_force = true;
  o.exclude_seen = true;
  const EvaluateResult r = evaluate(f.data, f.tree, *f.model, f.features, o);
  double recall = 0;
  for (std::size_t q = 0; q < users.size(); ++q) {
    const auto seq = f.data.sequence(users[q]);
    const std::set<std::uint32_t> seen(seq.begin(), seq.begin() + seq.size() / 2);
    ASSERT_FALSE(seen.empty());
    std::vector<std::uint32_t> list;
    for (const std::uint32_t i : all.items_of(q))
      if (!seen.count(i) && list.size() < 10) list.push_back(i);
    recall += std::get<1>(by_hand(list, f.data.eval_truth(users[q]), 10));
    EXPECT_EQ(seen_items(f.data, users[q]).size(), seq.size() / 2);
  }
  EXPECT_NEAR(r.metrics.get(10).recall, recall / static_cast<double>(users.size()), 1e-12);
  o.exclude_seen = false;
  EXPECT_NE(evaluate(f.data, f.tree, *f.model, f.features, o).metrics.get(10).recall, r.metrics.get(10).recall);
}

TEST(Evaluate, FullBeamEqualsBruteForceAndThreadsDoNotMatter) {
  Fixture f;
  EvaluateOptions o;
  o.beam = 32;  // >= |C|: beam search is exact
  o.threads = 1;
  const EvaluateResult beam = evaluate(f.data, f.tree, *f.model, f.features, o);
  o.brute_force = true;
  o.threads = 2;
  const EvaluateResult brute = evaluate(f.data, f.tree, *f.model, f.features, o);
  ASSERT_EQ(beam.metrics.at.size(), 4u);
  for (std::size_t c = 0; c < beam.metrics.at.size(); ++c) {
    EXPECT_EQ(beam.metrics.at[c].cutoff, kDefaultCutoffs[c]);
    EXPECT_DOUBLE_EQ(beam.metrics.at[c].recall, brute.metrics.at[c].recall);
    EXPECT_DOUBLE_EQ(beam.metrics.at[c].precision, brute.metrics.at[c].precision);
  }
  // With M = 200 > |C| every item is retrieved: recall is 1 and precision |G| / 200.
  EXPECT_DOUBLE_EQ(brute.metrics.get(200).recall, 1.0);
}

TEST(Evaluate, MaxUsersTakesASeededRandomSampleOfTheSplit) {
  Fixture f;
  EvaluateOptions o;
  o.top = 10;
  o.max_users = 2;
  const EvaluateResult two = evaluate(f.data, f.tree, *f.model, f.features, o);
  EXPECT_EQ(two.metrics.users, 2u);
  const auto all = f.data.users(Split::valid);
  const auto users = evaluation_users(f.data, Split::valid, 2);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_LT(users[0], users[1]);
  for (std::uint32_t u : users) EXPECT_NE(std::find(all.begin(), all.end(), u), all.end());
  EXPECT_EQ(evaluation_users(f.data, Split::valid, 2), users);  // a pure function of the seed
  EXPECT_EQ(evaluation_users(f.data, Split::valid, 100).size(), 5u);
  EXPECT_EQ(evaluation_users(f.data, Split::valid, 0).size(), 5u);
}

// sample_users is uniform: over many seeds every user is drawn about n/N of the time, and the
// first users are not favoured (the old "first N" rule would draw users 0..n-1 every time).
TEST(Evaluate, SampleUsersIsUniform) {
  std::vector<std::uint32_t> users(20);
  std::iota(users.begin(), users.end(), 100u);
  std::vector<int> drawn(20, 0);
  constexpr int kSeeds = 4000;
  for (int seed = 1; seed <= kSeeds; ++seed) {
    const auto s = sample_users(users, 5, static_cast<std::uint64_t>(seed));
    ASSERT_EQ(s.size(), 5u);
    ASSERT_TRUE(std::is_sorted(s.begin(), s.end()));
    ASSERT_EQ(std::adjacent_find(s.begin(), s.end()), s.end());
    for (std::uint32_t u : s) ++drawn[u - 100];
  }
  // Expected 1000 each; the standard deviation is about 27.
  for (int k = 0; k < 20; ++k) EXPECT_NEAR(drawn[k], kSeeds * 5 / 20, 150) << "user " << k;
  EXPECT_EQ(sample_users(users, 0, 1).size(), 20u);
  EXPECT_EQ(sample_users(users, 25, 1).size(), 20u);
}

TEST(Evaluate, CutoffsAndErrors) {
  EXPECT_EQ(metric_cutoffs(200), (std::vector<std::uint32_t>{10, 50, 100, 200}));
  EXPECT_EQ(metric_cutoffs(150), (std::vector<std::uint32_t>{10, 50, 100, 150}));
  EXPECT_EQ(metric_cutoffs(500), (std::vector<std::uint32_t>{10, 50, 100, 200, 500}));
  EXPECT_EQ(metric_cutoffs(5), (std::vector<std::uint32_t>{5}));
  EXPECT_THROW(metric_cutoffs(0), Error);

  const Dataset no_eval = test::tiny_dataset(6, 24, 0, 0);
  try {
    evaluation_users(no_eval, Split::test, 0);
    ADD_FAILURE() << "no test users should throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no test users"), std::string::npos) << e.what();
  }
  // A model whose representation differs from the features' is refused.
  Fixture f;
  const HierarchicalPreference tdm(Representation::tdm, f.tree);
  EXPECT_THROW(evaluate(f.data, f.tree, *f.model, tdm, {}), Error);
}

}  // namespace
}  // namespace treerec
