// BatchBuilder against ALGORITHMS §5 (tree methods) and §9 (dnn), by hand on a tiny tree.
#include "treerec/train/batch_builder.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "data/log_builder.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

using U32s = std::vector<std::uint32_t>;
using U64s = std::vector<std::uint64_t>;

// One user with the sequence a b c d e a b c: samples at positions 5, 6, 7 (targets a, b, c).
Dataset tiny_dataset() {
  test::LogBuilder b;
  const char* seq[] = {"a", "b", "c", "d", "e", "a", "b", "c"};
  for (int t = 0; t < 8; ++t) b.add("u", seq[t], "x", t);
  return b.dataset();
}

// Items a..e (dense 0..4) on leaves 13, 7, 10, 8, 11 (l_max 3):
//                    0
//           1                 2
//       3       4        5        6
//      7 8     . 10     11 .     13 .
// Dense node indices: 0:0 | 1:1 2:2 | 3:3 4:4 5:5 6:6 | 7:7 8:8 10:9 11:10 13:11.
Tree tiny_tree(const Dataset& d) { return Tree({13, 7, 10, 8, 11}, 3, d.item_ids()); }

template <typename T>
std::vector<T> vec(const std::vector<T>& v, std::size_t begin, std::size_t end) {
  return {v.begin() + static_cast<std::ptrdiff_t>(begin), v.begin() + static_cast<std::ptrdiff_t>(end)};
}

// Checks rows [at, at + 1 + k) of level `l`: the positive first, then k distinct negatives of
// the level (not the positive).
void expect_level(const U32s& nodes, std::size_t at, std::uint32_t positive, std::uint32_t k, const U32s& level) {
  EXPECT_EQ(nodes[at], positive);
  std::set<std::uint32_t> seen;
  for (std::size_t i = at + 1; i <= at + k; ++i) {
    EXPECT_NE(nodes[i], positive);
    EXPECT_TRUE(std::find(level.begin(), level.end(), nodes[i]) != level.end()) << nodes[i];
    EXPECT_TRUE(seen.insert(nodes[i]).second) << "duplicate " << nodes[i];
  }
}

TEST(BatchBuilder, TdmPutsEverySampleRowInOneGroup) {
  const Dataset d = tiny_dataset();
  const Tree tree = tiny_tree(d);
  const HierarchicalPreference f(Representation::tdm, tree);
  const auto builder = BatchBuilder::tree_levels(d, tree, f, {1, 2, 3});
  EXPECT_EQ(builder.rows_per_sample(), 3u + 6u);
  EXPECT_EQ(builder.groups_per_sample(), 1u);
  ASSERT_EQ(d.num_train_samples(), 3u);
  EXPECT_EQ(d.train_sample(0).position, 5u);

  TrainBatch batch;
  Rng rng(7);
  builder.add(d.train_sample(0), rng, batch);
  const ModelBatch& b = batch.model;
  ASSERT_EQ(b.num_groups(), 1u);
  EXPECT_EQ(b.features, (U32s{4, 3, 2, 1, 0}));  // e d c b a: most recent first
  ASSERT_EQ(b.num_rows(), 9u);
  EXPECT_EQ(b.row_offsets, (U64s{0, 9}));
  EXPECT_EQ(batch.labels, (std::vector<float>{1, 0, 1, 0, 0, 1, 0, 0, 0}));
  // Target a on leaf 13: positives 2 (level 1), 6 (level 2), 13 -> index 11 (level 3).
  expect_level(b.nodes, 0, 2, 1, {1, 2});
  expect_level(b.nodes, 2, 6, 2, {3, 4, 5, 6});
  expect_level(b.nodes, 5, 11, 3, {7, 8, 9, 10, 11});
  EXPECT_EQ(b.nodes[1], 1u);  // level 1 has one other node

  // Two more samples: one group each, rows appended after the first sample's.
  builder.add(d.train_sample(1), rng, batch);
  builder.add(d.train_sample(2), rng, batch);
  EXPECT_EQ(b.row_offsets, (U64s{0, 9, 18, 27}));
  EXPECT_EQ(b.feature_offsets, (U64s{0, 5, 11, 18}));  // histories of 5, 6, 7 items
  EXPECT_EQ(vec(b.features, 5, 11), (U32s{0, 4, 3, 2, 1, 0}));
  expect_level(b.nodes, 9, 1, 1, {1, 2});  // target b on leaf 7: 1, 3, 7
  expect_level(b.nodes, 11, 3, 2, {3, 4, 5, 6});
  expect_level(b.nodes, 14, 7, 3, {7, 8, 9, 10, 11});
  EXPECT_NO_THROW(b.validate(f.num_rows(), tree.num_nodes()));
}

TEST(BatchBuilder, JtmHasOneGroupPerLevelWithThatLevelsBehaviours) {
  const Dataset d = tiny_dataset();
  const Tree tree = tiny_tree(d);
  const HierarchicalPreference tdm(Representation::tdm, tree), h(Representation::jtm_h, tree),
      hi(Representation::jtm_hi, tree);
  const auto tdm_builder = BatchBuilder::tree_levels(d, tree, tdm, {1, 2, 3});
  const auto h_builder = BatchBuilder::tree_levels(d, tree, h, {1, 2, 3});
  const auto hi_builder = BatchBuilder::tree_levels(d, tree, hi, {1, 2, 3});
  EXPECT_EQ(h_builder.groups_per_sample(), 3u);
  TrainBatch t, bh, bhi;
  Rng r1(9), r2(9), r3(9);
  tdm_builder.add(d.train_sample(0), r1, t);
  h_builder.add(d.train_sample(0), r2, bh);
  hi_builder.add(d.train_sample(0), r3, bhi);
  // The same rows and labels, grouped by level: 1 + 1, 1 + 2, 1 + 3 rows.
  EXPECT_EQ(bh.model.nodes, t.model.nodes);
  EXPECT_EQ(bh.labels, t.labels);
  EXPECT_EQ(bh.model.row_offsets, (U64s{0, 2, 5, 9}));
  EXPECT_EQ(bh.model.feature_offsets, (U64s{0, 5, 10, 15}));
  // History e d c b a (leaves 11 8 10 7 13) as ancestors at levels 1, 2, 3.
  EXPECT_EQ(vec(bh.model.features, 0, 5), (U32s{2, 1, 1, 1, 2}));
  EXPECT_EQ(vec(bh.model.features, 5, 10), (U32s{5, 3, 4, 3, 6}));
  EXPECT_EQ(vec(bh.model.features, 10, 15), (U32s{10, 8, 9, 7, 11}));
  // jtm-hi: row l * |C| + item.
  EXPECT_EQ(bhi.model.row_offsets, bh.model.row_offsets);
  EXPECT_EQ(bhi.model.features, (U32s{9, 8, 7, 6, 5, 14, 13, 12, 11, 10, 19, 18, 17, 16, 15}));
  EXPECT_NO_THROW(bh.model.validate(h.num_rows(), tree.num_nodes()));
  EXPECT_NO_THROW(bhi.model.validate(hi.num_rows(), tree.num_nodes()));
}

TEST(BatchBuilder, DnnScoresTheLeafAgainstOtherItemsLeaves) {
  const Dataset d = tiny_dataset();
  const Tree tree = tiny_tree(d);
  const HierarchicalPreference f(Representation::tdm, tree);
  const U32s leaf_rows{11, 7, 9, 8, 10};  // node_index of each item's leaf
  {
    const auto all = BatchBuilder::corpus(d, tree, f, 4);  // every other item
    TrainBatch b;
    Rng rng(1);
    all.add(d.train_sample(1), rng, b);  // target b (row 7)
    EXPECT_EQ(b.model.row_offsets, (U64s{0, 5}));
    EXPECT_EQ(b.model.features, (U32s{0, 4, 3, 2, 1, 0}));
    EXPECT_EQ(b.labels, (std::vector<float>{1, 0, 0, 0, 0}));
    EXPECT_EQ(b.model.nodes, (U32s{7, 11, 9, 8, 10}));
  }
  const auto two = BatchBuilder::corpus(d, tree, f, 2);
  EXPECT_EQ(two.rows_per_sample(), 3u);
  std::map<std::uint32_t, int> hits;
  Rng rng(3);
  TrainBatch b;
  const int draws = 4000;
  for (int i = 0; i < draws; ++i) {
    b.clear();
    two.add(d.train_sample(2), rng, b);  // target c (row 9)
    ASSERT_EQ(b.model.nodes.size(), 3u);
    EXPECT_EQ(b.model.nodes[0], 9u);
    EXPECT_NE(b.model.nodes[1], b.model.nodes[2]);
    for (int k = 1; k <= 2; ++k) ++hits[b.model.nodes[static_cast<std::size_t>(k)]];
  }
  // Uniform over the 4 other leaves: each is drawn with probability 1/2 per sample.
  EXPECT_EQ(hits.count(9), 0u);
  ASSERT_EQ(hits.size(), 4u);
  for (auto [row, n] : hits) EXPECT_NEAR(n, draws / 2, draws / 20) << "row " << row;

  try {
    BatchBuilder::corpus(d, tree, f, 5);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--negatives 5"), std::string::npos) << e.what();
  }
}

TEST(BatchBuilder, RejectsImpossibleLevelCounts) {
  const Dataset d = tiny_dataset();
  const Tree tree = tiny_tree(d);
  const HierarchicalPreference f(Representation::tdm, tree);
  EXPECT_THROW(BatchBuilder::tree_levels(d, tree, f, {2, 1, 1}), Error);  // level 1: one other node
  EXPECT_THROW(BatchBuilder::tree_levels(d, tree, f, {1, 1}), Error);     // 3 levels
}

TEST(BatchBuilder, ReservedBatchDoesNotReallocate) {
  const Dataset d = tiny_dataset();
  const Tree tree = tiny_tree(d);
  const HierarchicalPreference f(Representation::jtm_h, tree);
  const auto builder = BatchBuilder::tree_levels(d, tree, f, {1, 2, 3});
  TrainBatch b;
  builder.reserve(b, 3);
  const float* labels = b.labels.data();
  const std::uint32_t* nodes = b.model.nodes.data();
  const std::uint32_t* features = b.model.features.data();
  Rng rng(1);
  for (int round = 0; round < 3; ++round) {
    b.clear();
    for (std::uint64_t s = 0; s < 3; ++s) builder.add(d.train_sample(s), rng, b);
    EXPECT_EQ(b.labels.data(), labels);
    EXPECT_EQ(b.model.nodes.data(), nodes);
    EXPECT_EQ(b.model.features.data(), features);
  }
}

}  // namespace
}  // namespace treerec
