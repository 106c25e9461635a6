#include "treerec/model/parameters.h"

#include <gtest/gtest.h>

#include <map>

#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

TEST(Parameters, SlicesAndTables) {
  Parameters p;
  EXPECT_EQ(p.add_dense("a.w", {3, 4}), 0u);
  EXPECT_EQ(p.add_dense("a.b", {3}), 12u);
  EXPECT_EQ(p.dense.size(), 15u);
  EXPECT_EQ(p.slice("a.b").offset, 12u);
  EXPECT_THROW(p.add_dense("a.b", {1}), Error);
  EXPECT_THROW(p.slice("missing"), Error);
  EXPECT_EQ(p.add_table("node", 5, 2), 0u);
  EXPECT_EQ(p.tables[0].values.size(), 10u);
  EXPECT_EQ(p.table_index("node"), 0u);
}

// SparseRows against a std::map, through growth, repeated clears and re-use.
TEST(SparseRows, MatchesAMapThroughClears) {
  SparseRows s(2);
  Rng rng(5);
  for (int round = 0; round < 4; ++round) {
    std::map<std::uint32_t, std::pair<float, float>> ref;
    std::vector<std::uint32_t> order;
    const int adds = round == 1 ? 5 : 3000;
    for (int i = 0; i < adds; ++i) {
      // Many ids with the same low bits, to stress linear probing.
      const auto row = static_cast<std::uint32_t>(rng.uniform(700) * 1024);
      const float g[] = {1.0f, static_cast<float>(i % 3)};
      if (!ref.count(row)) order.push_back(row);
      s.add(row, g, 0.5f);
      ref[row].first += 0.5f;
      ref[row].second += 0.5f * g[1];
    }
    ASSERT_EQ(s.size(), ref.size());
    for (std::size_t i = 0; i < s.size(); ++i) EXPECT_EQ(s.row_id(i), order[i]);  // first-touch order
    for (const auto& [row, v] : ref) {
      ASSERT_NE(s.find(row), nullptr) << row;
      EXPECT_FLOAT_EQ(s.find(row)[0], v.first);
      EXPECT_FLOAT_EQ(s.find(row)[1], v.second);
    }
    EXPECT_EQ(s.find(3), nullptr);
    s.clear();
    EXPECT_TRUE(s.empty());
    for (const auto& [row, v] : ref) EXPECT_EQ(s.find(row), nullptr) << "stale row " << row;
  }
}

TEST(Gradients, AddIsOrderedAndShapeChecked) {
  Parameters p;
  p.add_dense("w", {2});
  p.add_table("t", 10, 1);
  Gradients a = Gradients::like(p), b = Gradients::like(p);
  a.dense = {1, 2};
  b.dense = {10, 20};
  const float one = 1.0f;
  a.tables[0].add(4, &one);
  b.tables[0].add(7, &one);
  b.tables[0].add(4, &one);
  a.add(b);
  EXPECT_EQ(a.dense, (std::vector<float>{11, 22}));
  ASSERT_EQ(a.tables[0].size(), 2u);
  EXPECT_EQ(a.tables[0].row_id(1), 7u);
  EXPECT_EQ(a.tables[0].find(4)[0], 2.0f);
  Parameters other;
  other.add_dense("w", {3});
  Gradients c = Gradients::like(other);
  EXPECT_THROW(a.add(c), Error);
  a.clear();
  EXPECT_EQ(a.dense, (std::vector<float>{0, 0}));
  EXPECT_TRUE(a.tables[0].empty());
}

}  // namespace
}  // namespace treerec
