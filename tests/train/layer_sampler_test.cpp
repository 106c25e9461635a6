#include "treerec/train/layer_sampler.h"

#include <gtest/gtest.h>

#include <map>
#include <numeric>
#include <set>

#include "treerec/util/error.h"

namespace treerec {
namespace {

Tree make_tree(std::uint32_t items) {
  std::vector<std::uint32_t> category(items);
  StringTable ids;
  for (std::uint32_t i = 0; i < items; ++i) {
    category[i] = (i * 7) % 5;
    ids.add(std::to_string(1000 + i));
  }
  return build_category_tree(category, ids);
}

TEST(LayerSampler, DefaultCountsFavourDeepLevelsAndSumToTotal) {
  const Tree tree = make_tree(3000);  // l_max 12
  const auto k = default_layer_negatives(tree, 100);
  ASSERT_EQ(k.size(), tree.max_level());
  EXPECT_EQ(std::accumulate(k.begin(), k.end(), 0u), 100u);
  EXPECT_EQ(k[0], 1u);  // level 1 has two nodes: one other than the positive
  for (std::size_t j = 2; j < k.size(); ++j) EXPECT_GE(k[j], k[j - 1]) << "level " << j + 1;
  // Proportional to the level once no cap binds: k_12 / k_6 about 2.
  EXPECT_NEAR(static_cast<double>(k[11]) / k[5], 2.0, 0.5);
}

TEST(LayerSampler, DefaultCountsCapAtLevelSize) {
  const Tree tree = make_tree(6);  // l_max 3: levels hold 2, 3(?), 6 nodes
  const auto k = default_layer_negatives(tree, 100);
  for (std::uint32_t l = 1; l <= tree.max_level(); ++l)
    EXPECT_EQ(k[l - 1], tree.level_nodes(l).size() - 1) << "level " << l;
}

TEST(LayerSampler, GroupsHoldThePositiveAncestorThenDistinctNegativesOfTheLevel) {
  const Tree tree = make_tree(200);
  const auto counts = default_layer_negatives(tree, 40);
  LayerSampler sampler(tree, counts);
  Rng rng(3);
  for (std::uint32_t item = 0; item < tree.num_items(); item += 7) {
    std::vector<std::uint32_t> nodes;
    sampler.sample(tree.leaf(item), rng, nodes);
    ASSERT_EQ(nodes.size(), sampler.rows_per_sample());
    std::size_t at = 0;
    for (std::uint32_t l = 1; l <= tree.max_level(); ++l) {
      const Code positive = ancestor_code(tree.leaf(item), l);
      EXPECT_EQ(tree.node_code(nodes[at]), positive);
      std::set<std::uint32_t> seen{nodes[at]};
      for (std::uint32_t i = 1; i <= counts[l - 1]; ++i) {
        const Code c = tree.node_code(nodes[at + i]);
        EXPECT_EQ(code_level(c), l);
        EXPECT_TRUE(seen.insert(nodes[at + i]).second) << "duplicate or positive at level " << l;
      }
      at += 1 + counts[l - 1];
    }
  }
}

TEST(LayerSampler, NegativesAreUniformOverTheOtherNodes) {
  const Tree tree = make_tree(64);  // level 3: 8 nodes
  std::vector<std::uint32_t> counts(tree.max_level(), 0);
  counts[2] = 3;
  LayerSampler sampler(tree, counts);
  Rng rng(11);
  std::map<std::uint32_t, int> hits;
  const int draws = 20000;
  const Code leaf = tree.leaf(0);
  for (int d = 0; d < draws; ++d) {
    std::vector<std::uint32_t> nodes;
    sampler.sample(leaf, rng, nodes);
    // groups: level 1 (1), level 2 (1), level 3 (1 + 3), ...
    for (int i = 3; i < 6; ++i) ++hits[nodes[static_cast<std::size_t>(i)]];
  }
  ASSERT_EQ(hits.size(), 7u);  // the 7 nodes of level 3 other than the positive
  const double expected = draws * 3.0 / 7.0;
  for (auto [node, n] : hits) EXPECT_NEAR(n, expected, expected * 0.05) << "node " << node;
}

TEST(LayerSampler, RejectsImpossibleCountsAndBadLists) {
  const Tree tree = make_tree(8);  // l_max 3, level 1 has 2 nodes
  std::vector<std::uint32_t> counts{2, 0, 0};
  EXPECT_THROW(LayerSampler(tree, counts), Error);
}

}  // namespace
}  // namespace treerec
