#include "treerec/model/hierarchical_preference.h"

#include <gtest/gtest.h>

#include <vector>

#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

// 5 items, l_max = 3, leaves (codes at level 3 are 7..14):
//   item 0 -> 13, item 1 -> 7, item 2 -> 10, item 3 -> 8, item 4 -> 11.
//                    0
//           1                 2
//       3       4        5        6
//      7 8     . 10     11 .     13 .
// Non-empty nodes and their dense indices (level by level, increasing codes):
//   0:0 | 1:1 2:2 | 3:3 4:4 5:5 6:6 | 7:7 8:8 10:9 11:10 13:11
Tree tiny_tree() {
  StringTable ids;
  for (const char* s : {"a", "b", "c", "d", "e"}) ids.add(s);
  return Tree({13, 7, 10, 8, 11}, 3, ids);
}

TEST(HierarchicalPreference, NamesRoundTrip) {
  for (Representation r : {Representation::tdm, Representation::jtm_hi, Representation::jtm_h})
    EXPECT_EQ(parse_representation(representation_name(r)), r);
  EXPECT_EQ(parse_representation("jtm_h"), Representation::jtm_h);
  try {
    parse_representation("jtm");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'jtm'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("jtm-hi"), std::string::npos);
  }
}

TEST(HierarchicalPreference, TdmUsesTheItemAtEveryLevel) {
  const Tree tree = tiny_tree();
  const HierarchicalPreference f(Representation::tdm, tree);
  EXPECT_EQ(f.num_rows(), 5u);
  for (std::uint32_t l = 0; l <= 3; ++l) EXPECT_EQ(f.row(2, l), 2u);
}

TEST(HierarchicalPreference, JtmHiHasOneTablePerLevel) {
  const Tree tree = tiny_tree();
  const HierarchicalPreference f(Representation::jtm_hi, tree);
  EXPECT_EQ(f.num_rows(), 4u * 5u);
  EXPECT_EQ(f.row(2, 0), 2u);
  EXPECT_EQ(f.row(2, 1), 7u);
  EXPECT_EQ(f.row(4, 3), 19u);
}

TEST(HierarchicalPreference, JtmHUsesTheAncestorsNodeIndex) {
  const Tree tree = tiny_tree();
  const HierarchicalPreference f(Representation::jtm_h, tree);
  EXPECT_EQ(f.num_rows(), 12u);
  // Expected by hand from the picture: per item, levels 0..3.
  const std::vector<std::vector<std::uint32_t>> expected{
      {0, 2, 6, 11},  // item 0: 13 -> 6 -> 2 -> 0
      {0, 1, 3, 7},   // item 1: 7 -> 3 -> 1
      {0, 1, 4, 9},   // item 2: 10 -> 4 -> 1
      {0, 1, 3, 8},   // item 3: 8 -> 3 -> 1
      {0, 2, 5, 10},  // item 4: 11 -> 5 -> 2
  };
  for (std::uint32_t item = 0; item < 5; ++item)
    for (std::uint32_t l = 0; l <= 3; ++l) {
      EXPECT_EQ(f.row(item, l), expected[item][l]) << "item " << item << " level " << l;
      EXPECT_EQ(f.row(item, l), tree.node_index(ancestor_code(tree.leaf(item), l)));
    }
}

// Brute force on a random tree: the precomputed table against node_index of the ancestor.
TEST(HierarchicalPreference, JtmHMatchesBruteForceOnARandomTree) {
  Rng rng(17);
  std::vector<Code> leaves(1024);  // 1000 items on random leaves of level 10: some empty
  for (std::size_t i = 0; i < leaves.size(); ++i) leaves[i] = 1023 + i;
  shuffle(leaves.begin(), leaves.end(), rng);
  leaves.resize(1000);
  StringTable ids;
  for (std::size_t i = 0; i < leaves.size(); ++i) ids.add(std::to_string(i));
  const Tree tree(leaves, 10, ids);
  const HierarchicalPreference f(Representation::jtm_h, tree);
  EXPECT_EQ(f.num_rows(), tree.num_nodes());
  for (std::uint32_t item = 0; item < 1000; ++item)
    for (std::uint32_t l = 0; l <= 10; ++l)
      ASSERT_EQ(f.row(item, l), tree.node_index(ancestor_code(tree.leaf(item), l))) << item << " " << l;
}

TEST(HierarchicalPreference, GroupsAreMostRecentFirstAndAtMost69) {
  const Tree tree = tiny_tree();
  const HierarchicalPreference f(Representation::jtm_h, tree);
  ModelBatch batch;
  const std::vector<std::uint32_t> history{1, 0, 4};  // oldest first
  f.add_group(history, 2, batch);
  batch.add_row(5);
  EXPECT_EQ(batch.features, (std::vector<std::uint32_t>{5, 6, 3}));
  EXPECT_EQ(batch.num_groups(), 1u);
  EXPECT_EQ(batch.num_rows(), 1u);

  std::vector<std::uint32_t> long_history(80);
  for (std::size_t i = 0; i < long_history.size(); ++i) long_history[i] = i < 11 ? 0 : 2;
  std::vector<std::uint32_t> rows;
  HierarchicalPreference(Representation::tdm, tree).map(long_history, 1, rows);
  EXPECT_EQ(rows, std::vector<std::uint32_t>(69, 2));  // the 11 oldest (item 0) are dropped

  rows.clear();
  EXPECT_THROW(f.map(std::vector<std::uint32_t>{5}, 1, rows), Error);  // not an item
  EXPECT_THROW(f.map(history, 4, rows), Error);                        // below the leaves
}

TEST(ModelBatch, ValidateNamesTheBadId) {
  ModelBatch b;
  b.add_group(std::vector<std::uint32_t>{1, 2});
  b.add_row(3);
  EXPECT_NO_THROW(b.validate(3, 4));
  try {
    b.validate(3, 3);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node row 3 of batch row 0"), std::string::npos) << e.what();
  }
  EXPECT_THROW(b.add_group(std::vector<std::uint32_t>(70, 0)), Error);
  ModelBatch empty;
  EXPECT_THROW(empty.add_row(0), Error);
}

}  // namespace
}  // namespace treerec
