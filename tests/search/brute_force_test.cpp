#include "treerec/search/brute_force.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "search/synthetic_scorers.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

using test::FnItemScorerFactory;
using test::ItemScoreFn;

// Scores with many ties (64 values), so tie-breaking by item id is exercised.
ItemScoreFn tied_scores(std::uint64_t seed) {
  return [seed](std::uint32_t q, std::uint32_t item) {
    return static_cast<float>(mix_seed(seed, q, item) % 64) - 32.0f;
  };
}

// Sorts every item plainly: score descending, then item id ascending.
std::vector<std::uint32_t> reference_top(const ItemScoreFn& fn, std::uint32_t q,
                                         std::uint32_t items, std::uint32_t m,
                                         const std::set<std::uint32_t>& excluded = {}) {
  std::vector<std::pair<float, std::uint32_t>> all;
  for (std::uint32_t i = 0; i < items; ++i)
    if (!excluded.count(i)) all.emplace_back(-fn(q, i), i);
  std::sort(all.begin(), all.end());
  std::vector<std::uint32_t> top;
  for (std::size_t i = 0; i < std::min<std::size_t>(m, all.size()); ++i)
    top.push_back(all[i].second);
  return top;
}

TEST(BruteForce, ReturnsExactTopMWithTiesByItemId) {
  const ItemScoreFn fn = tied_scores(3);
  for (std::uint32_t items : {1u, 9u, 100u, 1000u}) {
    const FnItemScorerFactory factory(items, fn);
    for (std::uint32_t m : {1u, 10u, 200u, 2000u}) {
      BruteForceOptions options;
      options.top = m;
      options.chunk = 37;
      options.batch = 3;
      const RankedLists got = BruteForce(options).search(factory, 7);
      ASSERT_EQ(got.size(), 7u);
      for (std::uint32_t q = 0; q < 7; ++q) {
        const auto want = reference_top(fn, q, items, m);
        ASSERT_EQ(std::vector<std::uint32_t>(got.items_of(q).begin(), got.items_of(q).end()), want)
            << "items " << items << " M " << m << " query " << q;
        for (std::size_t i = 0; i < want.size(); ++i)
          EXPECT_EQ(got.scores_of(q)[i], fn(q, want[i]));
        EXPECT_EQ(got.scored[q], items);
      }
    }
  }
}

TEST(BruteForce, BatchChunkAndThreadsDoNotChangeResults) {
  const ItemScoreFn fn = tied_scores(8);
  const FnItemScorerFactory factory(777, fn);
  BruteForceOptions options;
  options.top = 50;
  options.threads = 1;
  const RankedLists base = BruteForce(options).search(factory, 23);
  for (std::uint32_t batch : {1u, 5u, 64u}) {
    for (std::uint32_t chunk : {1u, 100u, 777u, 5000u}) {
      for (int threads : {1, 2, 3}) {
        options.batch = batch;
        options.chunk = chunk;
        options.threads = threads;
        const RankedLists got = BruteForce(options).search(factory, 23);
        EXPECT_EQ(got.items, base.items) << batch << " " << chunk << " " << threads;
        EXPECT_EQ(got.scores, base.scores);
        EXPECT_EQ(got.offsets, base.offsets);
      }
    }
  }
}

TEST(BruteForce, ExcludesItems) {
  const ItemScoreFn fn = tied_scores(5);
  const std::uint32_t items = 300;
  const FnItemScorerFactory factory(items, fn);
  BruteForceOptions options;
  options.top = 20;
  options.chunk = 64;
  std::vector<std::vector<std::uint32_t>> excl(4);
  for (std::uint32_t q = 0; q < 4; ++q) {
    // Each query's own best 10 (unsorted, one duplicate) and every 7th item.
    auto top = reference_top(fn, q, items, 10);
    std::reverse(top.begin(), top.end());
    excl[q] = top;
    excl[q].push_back(top[0]);
    for (std::uint32_t i = q; i < items; i += 7) excl[q].push_back(i);
  }
  const RankedLists got = BruteForce(options).search(
      factory, 4, [&](std::uint32_t q) { return std::span<const std::uint32_t>(excl[q]); });
  for (std::uint32_t q = 0; q < 4; ++q) {
    const std::set<std::uint32_t> s(excl[q].begin(), excl[q].end());
    EXPECT_EQ(std::vector<std::uint32_t>(got.items_of(q).begin(), got.items_of(q).end()),
              reference_top(fn, q, items, 20, s));
  }

  const std::vector<std::uint32_t> bad{300};
  try {
    BruteForce(options).search(factory, 1, [&](std::uint32_t) {
      return std::span<const std::uint32_t>(bad);
    });
    ADD_FAILURE() << "no error for an unknown excluded item";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("excluded item 300"), std::string::npos) << e.what();
  }
}

TEST(BruteForce, LeafItemScorerScoresEachItemsLeaf) {
  const Tree tree = test::random_tree(60, 2);
  const test::ScoreFn fn = test::hash_scores(1);
  const test::FnNodeScorerFactory nodes(fn);
  const LeafItemScorerFactory leaf_items(tree, nodes);
  EXPECT_EQ(leaf_items.num_items(), 60u);
  BruteForceOptions options;
  options.top = 60;
  options.chunk = 7;
  const RankedLists got = BruteForce(options).search(leaf_items, 3);
  for (std::uint32_t q = 0; q < 3; ++q) {
    ASSERT_EQ(got.items_of(q).size(), 60u);
    for (std::size_t i = 0; i < 60; ++i) {
      const std::uint32_t item = got.items_of(q)[i];
      EXPECT_EQ(got.scores_of(q)[i], fn(q, tree.max_level(), tree.leaf(item)));
    }
  }
}

TEST(BruteForce, RejectsBadOptionsAndNaN) {
  const auto expect_error = [](BruteForceOptions options, const std::string& fragment) {
    try {
      BruteForce search(options);
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  BruteForceOptions options;
  options.top = 0;
  expect_error(options, "M must be at least 1");
  options = {};
  options.chunk = 0;
  expect_error(options, "chunk size must be at least 1");
  options = {};
  options.batch = 1u << 20;
  options.chunk = 1u << 20;
  expect_error(options, "below 2^32");

  const FnItemScorerFactory nan(5, [](std::uint32_t, std::uint32_t) { return std::nanf(""); });
  EXPECT_THROW(BruteForce(BruteForceOptions{}).search(nan, 1), Error);
}

}  // namespace
}  // namespace treerec
