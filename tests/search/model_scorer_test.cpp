// The model scorers against a direct PreferenceModel::forward on batches built by hand from
// ALGORITHMS §4's representations, and beam search through them against brute force (ALGORITHMS §6).
#include "treerec/search/model_scorer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "search/synthetic_scorers.h"
#include "test_util.h"
#include "treerec/search/beam_search.h"
#include "treerec/search/brute_force.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

ModelConfig small_config(const std::string& kind, Representation rep, const Tree& tree) {
  ModelConfig c;
  c.kind = kind;
  c.representation = rep;
  c.embedding_dim = 4;
  c.hidden = {6, 5, 3};
  c.attention_hidden = 4;
  c.behavior_rows = HierarchicalPreference(rep, tree).num_rows();
  c.node_rows = tree.num_nodes();
  c.embedding_init_std = 0.5f;
  return c;
}

// Histories (oldest first): empty; short with repeats; 80 items (only the last 69 count); one.
HistoryLists test_histories(std::uint32_t items) {
  HistoryLists h;
  h.add({});
  h.add(std::vector<std::uint32_t>{3 % items, 1, 4 % items, 1, 5 % items});
  std::vector<std::uint32_t> long_history;
  for (std::uint32_t i = 0; i < 80; ++i) long_history.push_back((i * 7 + 2) % items);
  h.add(long_history);
  h.add(std::vector<std::uint32_t>{items - 1});
  return h;
}

// ALGORITHMS §4, written out without HierarchicalPreference: the most recent 69 behaviours, most recent
// first, as rows of the representation's behaviour table at `level`.
std::vector<std::uint32_t> hand_rows(std::span<const std::uint32_t> history, Representation rep,
                                     const Tree& tree, std::uint32_t level) {
  std::vector<std::uint32_t> rows;
  for (std::size_t k = 0; k < history.size() && k < 69; ++k) {
    const std::uint32_t item = history[history.size() - 1 - k];
    switch (rep) {
      case Representation::tdm: rows.push_back(item); break;
      case Representation::jtm_hi: rows.push_back(level * tree.num_items() + item); break;
      case Representation::jtm_h:
        rows.push_back(static_cast<std::uint32_t>(tree.node_index(ancestor_code(tree.leaf(item), level))));
        break;
    }
  }
  return rows;
}

// Direct forward of one group per (query, node list) at `level`.
std::vector<float> direct_scores(const PreferenceModel& model, const Tree& tree, Representation rep,
                                 const HistoryLists& h, std::uint32_t level,
                                 const std::vector<std::pair<std::uint32_t, std::vector<Code>>>& rows) {
  ModelBatch b;
  for (const auto& [query, nodes] : rows) {
    b.add_group(hand_rows(h.history(query), rep, tree, level));
    for (Code c : nodes) b.add_row(static_cast<std::uint32_t>(tree.node_index(c)));
  }
  std::vector<float> logits(b.num_rows());
  auto state = model.make_state();
  model.forward(b, *state, logits);
  return logits;
}

using Case = std::tuple<std::string, Representation>;

class ModelScorer : public ::testing::TestWithParam<Case> {
 protected:
  const std::string kind = std::get<0>(GetParam());
  const Representation rep = std::get<1>(GetParam());
};

TEST_P(ModelScorer, NodeScoresEqualDirectForward) {
  const Tree tree = test::random_tree(11, 5);  // l_max 4, 11 of 16 leaves used
  const HierarchicalPreference features(rep, tree);
  const auto model = PreferenceModel::create(small_config(kind, rep, tree), 17);
  const HistoryLists h = test_histories(tree.num_items());
  const ModelNodeScorerFactory factory(*model, features, tree, h);
  auto scorer = factory.make();

  // Two batches and two levels per batch: the scorer's reused buffers must not leak state.
  for (const std::vector<std::uint32_t>& queries : {std::vector<std::uint32_t>{2, 0, 3, 1},
                                                   std::vector<std::uint32_t>{1, 2}}) {
    scorer->start_batch(queries);
    for (std::uint32_t level : {2u, tree.max_level()}) {
      const auto all = tree.level_nodes(level);
      // Rows: every node of the level; none; the first node; the last two.
      std::vector<std::vector<Code>> per_query{
          std::vector<Code>(all.begin(), all.end()), {}, {all.front()}, {all.end() - 2, all.end()}};
      per_query.resize(queries.size());
      std::vector<std::uint32_t> row_begin{0};
      std::vector<Code> nodes;
      std::vector<std::pair<std::uint32_t, std::vector<Code>>> rows;
      for (std::size_t q = 0; q < queries.size(); ++q) {
        nodes.insert(nodes.end(), per_query[q].begin(), per_query[q].end());
        row_begin.push_back(static_cast<std::uint32_t>(nodes.size()));
        rows.emplace_back(queries[q], per_query[q]);
      }
      std::vector<float> scores(nodes.size(), NAN);
      scorer->score(level, row_begin, nodes, scores);
      const std::vector<float> want = direct_scores(*model, tree, rep, h, level, rows);
      ASSERT_EQ(scores.size(), want.size());
      for (std::size_t i = 0; i < want.size(); ++i)
        EXPECT_EQ(scores[i], want[i]) << "level " << level << " row " << i;
    }
  }
}

TEST_P(ModelScorer, ItemScoresAreTheLeafScores) {
  const Tree tree = test::random_tree(11, 6);
  const HierarchicalPreference features(rep, tree);
  const auto model = PreferenceModel::create(small_config(kind, rep, tree), 18);
  const HistoryLists h = test_histories(tree.num_items());
  const ModelItemScorerFactory factory(*model, features, tree, h);
  EXPECT_EQ(factory.num_items(), 11u);
  auto scorer = factory.make();
  const std::vector<std::uint32_t> queries{3, 2, 0};
  scorer->start_batch(queries);
  std::vector<float> scores(queries.size() * 6);
  scorer->score(3, 9, scores);
  std::vector<Code> leaves;
  for (std::uint32_t item = 3; item < 9; ++item) leaves.push_back(tree.leaf(item));
  std::vector<std::pair<std::uint32_t, std::vector<Code>>> rows;
  for (std::uint32_t q : queries) rows.emplace_back(q, leaves);
  const std::vector<float> want = direct_scores(*model, tree, rep, h, tree.max_level(), rows);
  ASSERT_EQ(scores.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(scores[i], want[i]) << "score " << i;
}

// hnswlib's check: with k >= |C| beam search keeps every node, so it must return exactly
// brute force's top M (scores equal up to the last bits of BLAS over other batch shapes).
TEST_P(ModelScorer, BeamSearchWithFullBeamEqualsBruteForce) {
  const Tree tree = test::random_tree(37, 7);  // l_max 6
  const HierarchicalPreference features(rep, tree);
  const auto model = PreferenceModel::create(small_config(kind, rep, tree), 19);
  HistoryLists h = test_histories(tree.num_items());
  for (std::uint32_t q = 0; q < 6; ++q) {
    std::vector<std::uint32_t> hist;
    for (std::uint32_t i = 0; i < 3 + 5 * q; ++i) hist.push_back((q * 11 + i * 5) % 37);
    h.add(hist);
  }
  const auto n = static_cast<std::uint32_t>(h.size());
  const RankedLists beam = BeamSearch(tree, {.beam = 64, .top = 12, .batch = 3, .threads = 2})
                               .search(ModelNodeScorerFactory(*model, features, tree, h), n);
  const RankedLists brute = BruteForce({.top = 12, .batch = 2, .chunk = 5, .threads = 2})
                                .search(ModelItemScorerFactory(*model, features, tree, h), n);
  ASSERT_EQ(beam.size(), n);
  ASSERT_EQ(brute.size(), n);
  for (std::uint32_t q = 0; q < n; ++q) {
    const auto a = beam.items_of(q), b = brute.items_of(q);
    ASSERT_EQ(a.size(), 12u);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << "query " << q;
    for (std::size_t i = 0; i < a.size(); ++i)
      EXPECT_NEAR(beam.scores_of(q)[i], brute.scores_of(q)[i], 1e-5) << "query " << q;
    EXPECT_EQ(brute.scored[q], 37u);
  }

  // retrieve() gives the same lists both ways, for any thread count; a small beam scores at
  // most 2k·l_max nodes and still returns M items.
  RetrievalOptions ro{.beam = 64, .top = 12, .brute_force = false, .threads = 1};
  const RankedLists r1 = retrieve(*model, features, tree, h, ro);
  ro.brute_force = true;
  ro.threads = 2;
  const RankedLists r2 = retrieve(*model, features, tree, h, ro);
  EXPECT_EQ(r1.items, beam.items);
  EXPECT_EQ(r2.items, brute.items);
  const RankedLists small = retrieve(*model, features, tree, h, {.beam = 4, .top = 4});
  for (std::uint32_t q = 0; q < n; ++q) {
    EXPECT_EQ(small.items_of(q).size(), 4u);
    EXPECT_LE(small.scored[q], 2u * 4 * tree.max_level());
    EXPECT_TRUE(std::is_sorted(small.scores_of(q).rbegin(), small.scores_of(q).rend()));
  }
}

INSTANTIATE_TEST_SUITE_P(
    KindsAndRepresentations, ModelScorer,
    ::testing::Combine(::testing::Values("dnn", "attention"),
                       ::testing::Values(Representation::tdm, Representation::jtm_hi,
                                         Representation::jtm_h)),
    [](const auto& param_info) {
      std::string name = std::get<0>(param_info.param) + "_" + representation_name(std::get<1>(param_info.param));
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

using test::error_of;

TEST(ModelScorerErrors, MismatchedModelFeaturesAndTree) {
  const Tree tree = test::random_tree(11, 5);
  const Tree other = test::random_tree(20, 5);
  const HistoryLists h = test_histories(11);
  const HierarchicalPreference features(Representation::jtm_h, tree);
  const auto model = PreferenceModel::create(small_config("dnn", Representation::jtm_h, tree), 1);
  EXPECT_NE(error_of([&] { (void)ModelNodeScorerFactory(*model, HierarchicalPreference(Representation::jtm_h, other), tree, h); })
                .find("built for another tree"),
            std::string::npos);
  EXPECT_NE(error_of([&] { (void)ModelItemScorerFactory(*model, HierarchicalPreference(Representation::tdm, tree), tree, h); })
                .find("trained with the jtm-h representation but the features use tdm"),
            std::string::npos);
  const auto wrong_nodes = PreferenceModel::create(small_config("dnn", Representation::jtm_h, other), 1);
  const std::string e = error_of([&] { (void)ModelNodeScorerFactory(*wrong_nodes, features, tree, h); });
  EXPECT_NE(e.find("node table has " + std::to_string(other.num_nodes()) + " rows but the tree has " +
                   std::to_string(tree.num_nodes())),
            std::string::npos)
      << e;

  // Queries beyond the histories and empty nodes are refused, not read out of bounds.
  const ModelNodeScorerFactory factory(*model, features, tree, h);
  auto scorer = factory.make();
  const std::vector<std::uint32_t> bad_query{4};
  EXPECT_NE(error_of([&] { scorer->start_batch(bad_query); }).find("query 4"), std::string::npos);
  const std::vector<std::uint32_t> one{0};
  scorer->start_batch(one);
  const auto leaves = tree.level_nodes(tree.max_level());
  Code empty_leaf = level_first_code(tree.max_level());
  while (std::binary_search(leaves.begin(), leaves.end(), empty_leaf)) ++empty_leaf;
  const std::vector<std::uint32_t> row_begin{0, 1};
  const std::vector<Code> nodes{empty_leaf};
  std::vector<float> scores(1);
  EXPECT_NE(error_of([&] { scorer->score(tree.max_level(), row_begin, nodes, scores); }).find("is empty"),
            std::string::npos);
}

TEST(ModelScorerErrors, RowsBudgetShrinksForTheAttentionModel) {
  const Tree tree = test::random_tree(11, 5);
  ModelConfig dnn = small_config("dnn", Representation::tdm, tree);
  dnn.hidden = {128, 64, 24};
  dnn.embedding_dim = 24;
  ModelConfig att = dnn;
  att.kind = "attention";
  att.attention_hidden = 36;
  // DNN: 3 * 216 + 12 * 24 = 936 floats per row; attention adds 69 * (24 + 108).
  EXPECT_EQ(forward_rows_budget(dnn, 936 * 4 * 10), 10u);
  EXPECT_EQ(forward_rows_budget(att, (936 + 69 * 132) * 4 * 3), 3u);
  EXPECT_EQ(forward_rows_budget(att, 1), 1u);
}

}  // namespace
}  // namespace treerec
