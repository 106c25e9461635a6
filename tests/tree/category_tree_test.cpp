#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

StringTable ids(std::size_t n) {
  StringTable t;
  for (std::size_t i = 0; i < n; ++i) t.add("item" + std::to_string(i));
  return t;
}

std::vector<Code> category_leaves(const std::vector<std::uint32_t>& category) {
  const Tree tree = build_category_tree(category, ids(category.size()));
  return {tree.leaves().begin(), tree.leaves().end()};
}

// Hand-computed (ALGORITHMS §3): sort by (category, id), halve with mid = (s + e) / 2, push a lone
// item down along first children.
TEST(CategoryTree, SingleItemSitsOnTheFirstLeafBelowTheRoot) {
  const Tree tree = build_category_tree(std::vector<std::uint32_t>{0}, ids(1));
  EXPECT_EQ(tree.max_level(), 1u);
  EXPECT_EQ(tree.leaf(0), 1u);
  EXPECT_EQ(tree.builder(), "category");
}

TEST(CategoryTree, TwoItems) {
  EXPECT_EQ(category_leaves({0, 0}), (std::vector<Code>{1, 2}));
  EXPECT_EQ(category_leaves({1, 0}), (std::vector<Code>{2, 1}));
}

TEST(CategoryTree, ThreeItemsPushTheLoneFirstItemDown) {
  // Sorted: items 1, 2 (category 3), 0 (category 5). [0,3) -> [0,1) under 1, pushed to 3;
  // [1,3) under 2 -> 5, 6.
  const Tree tree = build_category_tree(std::vector<std::uint32_t>{5, 3, 3}, ids(3));
  EXPECT_EQ(tree.max_level(), 2u);
  EXPECT_EQ(std::vector<Code>(tree.leaves().begin(), tree.leaves().end()), (std::vector<Code>{6, 3, 5}));
}

TEST(CategoryTree, FiveItems) {
  // Sorted: 2, 3 (category 0), 0, 1, 4 (category 1) -> leaves 7, 9, 11, 13, 14:
  // [0,5) mid 2: [0,2) under 1 -> {3 -> 7, 4 -> 9}; [2,5) under 2 -> {5 -> 11, [3,5) under 6 -> 13, 14}.
  EXPECT_EQ(category_leaves({1, 1, 0, 0, 1}), (std::vector<Code>{11, 13, 7, 9, 14}));
}

TEST(CategoryTree, SevenItemsInUnsortedCategoryOrder) {
  // Sorted: 1, 3, 6 (category 0), 2, 5 (category 1), 0, 4 (category 2) -> leaves
  // 7, 9, 10, 11, 12, 13, 14: [0,7) mid 3: [0,3) under 1 -> {3 -> 7, [1,3) under 4 -> 9, 10};
  // [3,7) under 2 -> {[3,5) under 5 -> 11, 12; [5,7) under 6 -> 13, 14}.
  const std::vector<Code> want{13, 7, 11, 9, 14, 12, 10};
  EXPECT_EQ(category_leaves({2, 0, 1, 0, 2, 1, 0}), want);
  // Sparse category ids take another sorting path and give the same tree.
  EXPECT_EQ(category_leaves({2000000000, 5, 1000000000, 5, 2000000000, 1000000000, 5}), want);
}

TEST(CategoryTree, RejectsBadInput) {
  EXPECT_THROW(build_category_tree(std::vector<std::uint32_t>{}, ids(0)), Error);
  try {
    build_category_tree(std::vector<std::uint32_t>{0, 1}, ids(3));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("2 item categories but 3 item ids"), std::string::npos) << e.what();
  }
}

// Every size up to 70 and a few larger ones, random categories: each item on its own leaf at
// l_max, leaves increasing along the (category, id) order, and every node splits its items
// floor/ceil (a lone item goes to the first child).
TEST(CategoryTree, BalancedOrderedAndInjectiveForManySizes) {
  std::vector<std::size_t> sizes;
  for (std::size_t n = 1; n <= 70; ++n) sizes.push_back(n);
  for (std::size_t n : {127, 128, 129, 1000, 4097}) sizes.push_back(n);
  Rng rng(7);
  for (std::size_t n : sizes) {
    std::vector<std::uint32_t> cat(n);
    for (auto& c : cat) c = static_cast<std::uint32_t>(rng.uniform(1 + n / 5));
    const Tree tree = build_category_tree(cat, ids(n));
    const std::uint32_t L = max_level_for(n);
    ASSERT_EQ(tree.max_level(), L);
    std::vector<std::uint32_t> order(n);
    for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return cat[a] < cat[b]; });
    for (std::size_t k = 0; k < n; ++k) {
      ASSERT_EQ(code_level(tree.leaf(order[k])), L) << "n " << n;
      if (k > 0) {
        ASSERT_LT(tree.leaf(order[k - 1]), tree.leaf(order[k])) << "n " << n;
      }
    }
    std::map<Code, std::size_t> count;  // items under each node
    for (std::uint32_t i = 0; i < n; ++i)
      for (std::uint32_t l = 0; l <= L; ++l) ++count[ancestor_code(tree.leaf(i), l)];
    for (const auto& [c, m] : count) {
      if (code_level(c) == L) continue;
      const auto left = count.find(first_child(c));
      const auto right = count.find(first_child(c) + 1);
      const std::size_t nl = left == count.end() ? 0 : left->second;
      const std::size_t nr = right == count.end() ? 0 : right->second;
      if (m == 1) {
        EXPECT_EQ(nl, 1u) << "n " << n << " node " << c;
      } else {
        EXPECT_EQ(nl, m / 2) << "n " << n << " node " << c;
        EXPECT_EQ(nr, m - m / 2) << "n " << n << " node " << c;
      }
    }
  }
}

}  // namespace
}  // namespace treerec
