#include "treerec/search/beam_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "search/synthetic_scorers.h"
#include "treerec/search/brute_force.h"
#include "treerec/search/item_filter.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

using test::FnNodeScorerFactory;
using test::ScoreFn;
using test::ScorerLog;

struct RefResult {
  std::vector<std::uint32_t> items;
  std::vector<double> ranks;
  std::uint64_t scored = 0;
};

// ALGORITHMS §6 transcribed plainly for one query: sets and maps, no batching, nothing shared with
// the implementation but the Tree's assignment.
RefResult reference_search(const Tree& tree, const ScoreFn& fn, std::uint32_t q, std::uint32_t k,
                           std::uint32_t m, bool path_sum,
                           const std::set<std::uint32_t>& excluded_items = {}) {
  const std::uint32_t l_max = tree.max_level();
  std::vector<std::set<Code>> non_empty(l_max + 1);
  std::map<Code, std::uint32_t> item_of;
  std::set<Code> excluded;
  for (std::uint32_t item = 0; item < tree.num_items(); ++item) {
    const Code leaf = tree.leaf(item);
    item_of[leaf] = item;
    for (std::uint32_t j = 0; j <= l_max; ++j) non_empty[j].insert(ancestor_code(leaf, j));
    if (excluded_items.count(item)) excluded.insert(leaf);
  }
  std::uint32_t s = l_max;
  for (std::uint32_t j = 0; j <= l_max; ++j) {
    if (non_empty[j].size() >= k) {
      s = j;
      break;
    }
  }
  // The best `keep` candidates: higher rank first, ties by smaller code.
  const auto best = [](const std::map<Code, double>& cand, std::size_t keep) {
    std::vector<std::pair<Code, double>> v(cand.begin(), cand.end());
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.second > b.second || (a.second == b.second && a.first < b.first);
    });
    if (v.size() > keep) v.resize(keep);
    return v;
  };

  RefResult r;
  std::vector<std::pair<Code, double>> beam;
  std::uint32_t level = 0;
  if (path_sum) {
    beam = {{0, 0.0}};
  } else if (s < l_max) {
    for (Code c : non_empty[s]) beam.push_back({c, 0.0});  // kept without scores
    level = s;
  } else {  // no level has k nodes: score every leaf
    std::map<Code, double> cand;
    for (Code c : non_empty[l_max]) {
      if (excluded.count(c)) continue;
      cand[c] = fn(q, l_max, c);
      ++r.scored;
    }
    beam = best(cand, m);
    level = l_max;
  }
  for (++level; level <= l_max; ++level) {
    std::map<Code, double> cand;
    for (const auto& [c, rank] : beam) {
      for (Code child : {2 * c + 1, 2 * c + 2}) {
        if (!non_empty[level].count(child)) continue;
        if (level == l_max && excluded.count(child)) continue;
        const double score = fn(q, level, child);
        cand[child] = path_sum ? rank + score : score;
        ++r.scored;
      }
    }
    const std::size_t keep = level == l_max ? m
                             : level <= s   ? std::numeric_limits<std::size_t>::max()
                                            : k;
    beam = best(cand, keep);
  }
  for (const auto& [c, rank] : beam) {
    r.items.push_back(item_of.at(c));
    r.ranks.push_back(rank);
  }
  return r;
}

void expect_matches_reference(const Tree& tree, const ScoreFn& fn, std::uint32_t queries,
                              const BeamSearchOptions& options,
                              const std::function<std::set<std::uint32_t>(std::uint32_t)>&
                                  excluded = {}) {
  std::vector<std::vector<std::uint32_t>> excl(queries);
  ExcludeFn exclude;
  if (excluded) {
    for (std::uint32_t q = 0; q < queries; ++q) {
      const auto set = excluded(q);
      excl[q].assign(set.rbegin(), set.rend());  // any order is allowed
      if (!excl[q].empty()) excl[q].push_back(excl[q].front());  // and duplicates
    }
    exclude = [&excl](std::uint32_t q) { return std::span<const std::uint32_t>(excl[q]); };
  }
  const BeamSearch search(tree, options);
  const RankedLists got = search.search(FnNodeScorerFactory(fn), queries, exclude);
  ASSERT_EQ(got.size(), queries);
  const bool path_sum = options.ranking == BeamRanking::path_sum;
  for (std::uint32_t q = 0; q < queries; ++q) {
    const RefResult want =
        reference_search(tree, fn, q, options.beam, options.top, path_sum,
                         excluded ? excluded(q) : std::set<std::uint32_t>{});
    const auto items = got.items_of(q);
    ASSERT_EQ(std::vector<std::uint32_t>(items.begin(), items.end()), want.items)
        << "query " << q << " k " << options.beam << " M " << options.top;
    for (std::size_t i = 0; i < want.ranks.size(); ++i)
      EXPECT_EQ(got.scores_of(q)[i], static_cast<float>(want.ranks[i]));
    EXPECT_EQ(got.scored[q], want.scored) << "query " << q << " k " << options.beam;
  }
}

TEST(BeamSearch, MatchesPlainReferenceForManyBeams) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    // 65, 78, 91 items on 128 leaves: empty leaves and empty subtrees.
    const Tree tree = test::random_tree(52 + 13 * static_cast<std::uint32_t>(seed), seed);
    ASSERT_GT(test::empty_inner_nodes(tree), 0u);
    // Few distinct values, so ties are broken by code all the time.
    const ScoreFn fn = test::hash_scores(seed * 7, 16);
    const ScoreFn log_probs = test::log_prob_scores(seed);
    for (std::uint32_t k : {1u, 2u, 3u, 5u, 8u, 16u, 40u, 64u, 200u}) {
      for (std::uint32_t m : {1u, 7u, 30u}) {
        BeamSearchOptions options;
        options.beam = k;
        options.top = m;
        options.batch = 5;
        options.threads = 1;
        expect_matches_reference(tree, fn, 9, options);
        options.ranking = BeamRanking::path_sum;
        expect_matches_reference(tree, log_probs, 9, options);
      }
    }
  }
}

TEST(BeamSearch, EqualsBruteForceWhenBeamCoversAllItems) {
  for (std::uint32_t n : {1u, 2u, 5u, 9u, 33u, 37u, 100u, 130u, 257u}) {
    for (std::uint64_t seed : {0u, 2u}) {
      const Tree tree = test::random_tree(n, n * 31 + seed);
      if (n >= 9) {
        ASSERT_GT(test::empty_inner_nodes(tree), 0u) << "n " << n;
      }
      const std::uint32_t queries = 6;
      const ScoreFn fn = test::distinct_scores(n + seed, queries, Code{2} << tree.max_level());
      const FnNodeScorerFactory nodes(fn);
      for (std::uint32_t k : {n, n + 5}) {
        for (std::uint32_t m : {1u, 10u, n, n + 3}) {
          BeamSearchOptions options;
          options.beam = k;
          options.top = m;
          BruteForceOptions bf;
          bf.top = m;
          bf.chunk = 16;
          const RankedLists beam = BeamSearch(tree, options).search(nodes, queries);
          const RankedLists exact =
              BruteForce(bf).search(LeafItemScorerFactory(tree, nodes), queries);
          EXPECT_EQ(beam.items, exact.items) << "n " << n << " k " << k << " M " << m;
          EXPECT_EQ(beam.scores, exact.scores);
          EXPECT_EQ(beam.offsets, exact.offsets);
          for (std::uint32_t q = 0; q < queries; ++q)
            EXPECT_EQ(beam.items_of(q).size(), std::min(m, n));
        }
      }
    }
  }
}

// 9 items on the 16 leaves of l_max 4: seven under node 1 (leaf 18 empty), two under node 2
// (node 6's whole subtree and node 12 empty), so the non-empty nodes per level are 1,
// 2 ({1, 2}), 3 ({3, 4, 5}), 5 ({7, 8, 9, 10, 11}), 9 (15 .. 24 but 18). Item ids are not in
// leaf order.
Tree lopsided_tree() {
  return test::tree_from_leaves({24, 15, 20, 17, 23, 16, 22, 19, 21}, 4);
}

TEST(BeamSearch, StartsAtFirstLevelWithBeamManyNodes) {
  const Tree tree = lopsided_tree();
  const std::vector<std::vector<Code>> want_levels{
      {0}, {1, 2}, {3, 4, 5}, {7, 8, 9, 10, 11}, {15, 16, 17, 19, 20, 21, 22, 23, 24}};
  for (std::uint32_t j = 0; j <= 4; ++j) {
    const auto got = tree.level_nodes(j);
    ASSERT_EQ(std::vector<Code>(got.begin(), got.end()), want_levels[j]) << "level " << j;
  }
  EXPECT_EQ(beam_start_level(tree, 1), 0u);
  EXPECT_EQ(beam_start_level(tree, 2), 1u);
  EXPECT_EQ(beam_start_level(tree, 3), 2u);
  EXPECT_EQ(beam_start_level(tree, 4), 3u);  // level 3 has 5 >= 4
  EXPECT_EQ(beam_start_level(tree, 5), 3u);
  EXPECT_EQ(beam_start_level(tree, 6), 4u);
  EXPECT_EQ(beam_start_level(tree, 9), 4u);   // only the leaf level has 9
  EXPECT_EQ(beam_start_level(tree, 10), 4u);  // no level has 10: every leaf is scored

  // k = 3: start at level 2 with {3, 4, 5} unscored; level 3 scores all 5 of {7, 8, 9, 10, 11};
  // the best 3 keep at most 6 leaves, whose children are scored at level 4.
  const ScoreFn fn = test::hash_scores(5);
  ScorerLog log;
  BeamSearchOptions options;
  options.beam = 3;
  options.top = 2;
  options.threads = 1;
  const BeamSearch search(tree, options);
  EXPECT_EQ(search.start_level(), 2u);
  const RankedLists got = search.search(FnNodeScorerFactory(fn, &log), 1);
  EXPECT_EQ(log.levels, (std::vector<std::uint32_t>{3, 4}));
  const RefResult want = reference_search(tree, fn, 0, 3, 2, false);
  EXPECT_EQ(std::vector<std::uint32_t>(got.items_of(0).begin(), got.items_of(0).end()),
            want.items);
  EXPECT_EQ(got.scored[0], want.scored);
  // 5 at level 3, then the leaves of the best 3 of {7, 8, 9, 10, 11} (2 each, 1 under 8).
  EXPECT_GE(got.scored[0], 5u + 5u);
  EXPECT_LE(got.scored[0], 5u + 6u);

  // k = 9 (start at the leaf level) and k = 10 (no level has k): all 9 leaves are scored in
  // one call at the leaf level.
  for (std::uint32_t k : {9u, 10u}) {
    ScorerLog all;
    options.beam = k;
    options.top = 9;
    const RankedLists every =
        BeamSearch(tree, options).search(FnNodeScorerFactory(fn, &all), 1);
    EXPECT_EQ(all.levels, (std::vector<std::uint32_t>{4})) << "k " << k;
    EXPECT_EQ(every.scored[0], 9u);
    EXPECT_EQ(every.items_of(0).size(), 9u);
  }

  for (std::uint32_t k = 1; k <= 11; ++k) {
    for (bool hsm : {false, true}) {
      options.beam = k;
      options.top = 3;
      options.ranking = hsm ? BeamRanking::path_sum : BeamRanking::node_score;
      expect_matches_reference(tree, hsm ? test::log_prob_scores(k) : fn, 4, options);
    }
  }
}

TEST(BeamSearch, BatchingAndThreadsDoNotChangeResults) {
  const Tree tree = test::random_tree(300, 11);
  const ScoreFn fn = test::hash_scores(3, 64);
  const std::uint32_t queries = 37;
  for (auto ranking : {BeamRanking::node_score, BeamRanking::path_sum}) {
    BeamSearchOptions options;
    options.beam = 12;
    options.top = 20;
    options.batch = 37;
    options.threads = 1;
    options.ranking = ranking;
    const RankedLists base = BeamSearch(tree, options).search(FnNodeScorerFactory(fn), queries);
    for (std::uint32_t batch : {1u, 4u, 36u, 100u}) {
      for (int threads : {1, 2, 3}) {
        options.batch = batch;
        options.threads = threads;
        ScorerLog log;
        const RankedLists got =
            BeamSearch(tree, options).search(FnNodeScorerFactory(fn, &log), queries);
        EXPECT_EQ(got.offsets, base.offsets) << "batch " << batch << " threads " << threads;
        EXPECT_EQ(got.items, base.items) << "batch " << batch << " threads " << threads;
        EXPECT_EQ(got.scores, base.scores);
        EXPECT_EQ(got.scored, base.scored);
        // PECOS style: one scoring call per scored level per batch.
        const std::uint64_t batches = (queries + batch - 1) / batch;
        const std::uint32_t start = ranking == BeamRanking::path_sum
                                        ? 0
                                        : std::min(beam_start_level(tree, 12), tree.max_level() - 1);
        EXPECT_EQ(log.batches.load(), batches);
        EXPECT_EQ(log.calls.load(), batches * (tree.max_level() - start));
      }
    }
  }
}

TEST(BeamSearch, QueriesAreIndicesPassedThrough) {
  const Tree tree = test::random_tree(90, 4);
  const ScoreFn fn = test::hash_scores(9);
  BeamSearchOptions options;
  options.beam = 6;
  options.top = 10;
  options.batch = 2;
  const BeamSearch search(tree, options);
  const RankedLists all = search.search(FnNodeScorerFactory(fn), 8);
  const std::vector<std::uint32_t> queries{5, 2, 5, 7};
  const RankedLists some = search.search(FnNodeScorerFactory(fn), queries);
  ASSERT_EQ(some.size(), 4u);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const auto a = some.items_of(i);
    const auto b = all.items_of(queries[i]);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << "row " << i;
  }
  EXPECT_EQ(search.search(FnNodeScorerFactory(fn), 0).size(), 0u);
}

TEST(BeamSearch, ExclusionRemovesItemsAndMatchesReference) {
  const Tree tree = test::random_tree(130, 21);  // 130 of 256 leaves: empty subtrees
  ASSERT_GT(test::empty_inner_nodes(tree), 0u);
  const ScoreFn fn = test::hash_scores(4, 1000);
  const std::uint32_t queries = 6;
  BeamSearchOptions options;
  options.beam = 10;
  options.top = 15;
  options.batch = 4;
  // Exclude each query's own current top 5 plus some items that beam search would not reach.
  const RankedLists plain = BeamSearch(tree, options).search(FnNodeScorerFactory(fn), queries);
  const auto excluded = [&](std::uint32_t q) {
    std::set<std::uint32_t> s(plain.items_of(q).begin(), plain.items_of(q).begin() + 5);
    for (std::uint32_t i = q; i < tree.num_items(); i += 17) s.insert(i);
    return s;
  };
  expect_matches_reference(tree, fn, queries, options, excluded);

  std::vector<std::vector<std::uint32_t>> excl(queries);
  for (std::uint32_t q = 0; q < queries; ++q) {
    const auto s = excluded(q);
    excl[q].assign(s.begin(), s.end());
  }
  const ExcludeFn exclude = [&](std::uint32_t q) { return std::span<const std::uint32_t>(excl[q]); };
  const RankedLists got = BeamSearch(tree, options).search(FnNodeScorerFactory(fn), queries, exclude);
  for (std::uint32_t q = 0; q < queries; ++q) {
    const auto s = excluded(q);
    for (std::uint32_t item : got.items_of(q)) EXPECT_FALSE(s.count(item)) << "item " << item;
    // The best item that remains moves up.
    const auto plain_items = plain.items_of(q);
    const auto kept = std::find_if(plain_items.begin(), plain_items.end(),
                                   [&](std::uint32_t item) { return !s.count(item); });
    ASSERT_NE(kept, plain_items.end());
    EXPECT_EQ(got.items_of(q)[0], *kept);
  }

  // With a beam covering every item, exclusion agrees with brute force.
  options.beam = tree.num_items();
  const ScoreFn distinct = test::distinct_scores(8, queries, Code{2} << tree.max_level());
  const FnNodeScorerFactory nodes(distinct);
  BruteForceOptions bf;
  bf.top = options.top;
  const RankedLists beam = BeamSearch(tree, options).search(nodes, queries, exclude);
  const RankedLists exact = BruteForce(bf).search(LeafItemScorerFactory(tree, nodes), queries, exclude);
  EXPECT_EQ(beam.items, exact.items);
  EXPECT_EQ(beam.scores, exact.scores);

  // Excluding everything leaves nothing; excluding an unknown item is an error.
  std::vector<std::uint32_t> everything(tree.num_items());
  std::iota(everything.begin(), everything.end(), 0u);
  const RankedLists none = BeamSearch(tree, options).search(
      nodes, 2, [&](std::uint32_t) { return std::span<const std::uint32_t>(everything); });
  EXPECT_TRUE(none.items.empty());
  const std::vector<std::uint32_t> unknown{tree.num_items()};
  try {
    BeamSearch(tree, options).search(nodes, 1, [&](std::uint32_t) {
      return std::span<const std::uint32_t>(unknown);
    });
    ADD_FAILURE() << "no error for an unknown excluded item";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("excluded item 130"), std::string::npos) << e.what();
  }
}

TEST(BeamSearch, ScoresAtMostTwoBeamTimesDepthNodes) {
  // Sparse trees (just above a power of two) and dense ones.
  const std::uint32_t sizes[] = {130, 400, 520, 1000};
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const Tree tree = test::random_tree(sizes[seed - 1], seed);
    if (seed % 2) {
      ASSERT_GT(test::empty_inner_nodes(tree), 0u);
    }
    const ScoreFn fn = test::hash_scores(seed);
    const std::uint32_t l_max = tree.max_level();
    for (std::uint32_t k : {1u, 2u, 3u, 7u, 20u, 50u, 200u, 1000u}) {
      BeamSearchOptions options;
      options.beam = k;
      options.top = 20;
      options.threads = 1;
      expect_matches_reference(tree, fn, 3, options);  // exact counts
      const RankedLists got = BeamSearch(tree, options).search(FnNodeScorerFactory(fn), 3);
      for (std::uint64_t scored : got.scored) {
        EXPECT_LE(scored, 2ull * k * l_max) << "k " << k << " l_max " << l_max;
        EXPECT_LE(scored, 2ull * tree.num_items());  // never more than every non-empty node
      }
      options.ranking = BeamRanking::path_sum;
      const std::uint32_t s = beam_start_level(tree, k);
      const RankedLists hsm =
          BeamSearch(tree, options).search(FnNodeScorerFactory(test::log_prob_scores(seed)), 3);
      for (std::uint64_t scored : hsm.scored)
        EXPECT_LE(scored, 2ull * k * l_max + std::uint64_t{k} * (s + 1)) << "k " << k;
    }
  }
}

TEST(BeamSearch, PathSumEqualsBruteForcePathProduct) {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    // 70, 135, 260 items on 128, 256, 512 leaves: empty subtrees.
    const std::uint32_t n = std::array<std::uint32_t, 3>{70, 135, 260}[seed - 1];
    const Tree tree = test::random_tree(n, seed + 40);
    ASSERT_GT(test::empty_inner_nodes(tree), 0u);
    const ScoreFn fn = test::log_prob_scores(seed);
    const std::uint32_t queries = 5, m = 25;
    BeamSearchOptions options;
    options.beam = n;
    options.top = m;
    options.ranking = BeamRanking::path_sum;
    const RankedLists got = BeamSearch(tree, options).search(FnNodeScorerFactory(fn), queries);
    for (std::uint32_t q = 0; q < queries; ++q) {
      // Every leaf's log path probability, summed root to leaf, the best M by (sum, code).
      std::vector<std::tuple<double, Code, std::uint32_t>> all;
      for (std::uint32_t item = 0; item < n; ++item) {
        double sum = 0;
        for (std::uint32_t j = 1; j <= tree.max_level(); ++j)
          sum += fn(q, j, ancestor_code(tree.leaf(item), j));
        all.emplace_back(-sum, tree.leaf(item), item);
      }
      std::sort(all.begin(), all.end());
      ASSERT_EQ(got.items_of(q).size(), m);
      for (std::uint32_t i = 0; i < m; ++i) {
        EXPECT_EQ(got.items_of(q)[i], std::get<2>(all[i])) << "query " << q << " rank " << i;
        EXPECT_EQ(got.scores_of(q)[i], static_cast<float>(-std::get<0>(all[i])));
      }
    }
    // With a narrow beam, HSM still follows ALGORITHMS §6 exactly.
    for (std::uint32_t k : {1u, 4u, 9u}) {
      options.beam = k;
      expect_matches_reference(tree, fn, queries, options);
    }
  }
}

TEST(BeamSearch, FindsPlantedPreferencesWithNarrowBeam) {
  // Each query prefers 4 random items; a node's score is the number of preferred items below
  // it plus noise below 1, so a beam of 4 must follow them all the way down.
  const Tree tree = test::random_tree(1000, 77);
  const std::uint32_t queries = 10;
  std::vector<std::set<std::uint32_t>> liked(queries);
  Rng rng(5);
  for (auto& s : liked)
    while (s.size() < 4) s.insert(static_cast<std::uint32_t>(rng.uniform(tree.num_items())));
  const ScoreFn noise = test::hash_scores(6);
  const ScoreFn fn = [&](std::uint32_t q, std::uint32_t level, Code c) {
    float count = 0;
    for (std::uint32_t item : liked[q]) count += ancestor_code(tree.leaf(item), level) == c;
    return count + 0.5f * noise(q, level, c);
  };
  BeamSearchOptions options;
  options.beam = 4;
  options.top = 4;
  const RankedLists got = BeamSearch(tree, options).search(FnNodeScorerFactory(fn), queries);
  for (std::uint32_t q = 0; q < queries; ++q) {
    const std::set<std::uint32_t> found(got.items_of(q).begin(), got.items_of(q).end());
    EXPECT_EQ(found, liked[q]) << "query " << q;
  }
}

TEST(BeamSearch, RejectsBadOptionsAndNaN) {
  const Tree tree = test::random_tree(10, 1);
  const auto expect_error = [&](BeamSearchOptions options, const std::string& fragment) {
    try {
      BeamSearch search(tree, options);
      ADD_FAILURE() << "no error for " << fragment;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  BeamSearchOptions options;
  options.beam = 0;
  expect_error(options, "beam size k must be at least 1");
  options = {};
  options.top = 0;
  expect_error(options, "M must be at least 1");
  options = {};
  options.batch = 0;
  expect_error(options, "batch size must be at least 1");

  const ScoreFn nan = [](std::uint32_t, std::uint32_t, Code) { return std::nanf(""); };
  try {
    BeamSearch(tree, BeamSearchOptions{}).search(FnNodeScorerFactory(nan), 1);
    ADD_FAILURE() << "no error for NaN scores";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
}

ItemFilter make_filter(const Tree& tree, const std::vector<std::uint32_t>& category, std::uint32_t categories,
                       const FilterSpec& spec) {
  return ItemFilter(std::make_shared<CategorySummary>(tree, category, categories), spec);
}

// The summary by hand on lopsided_tree(): items 0..8 on leaves 24, 15, 20, 17, 23, 16, 22, 19,
// 21; node 1 holds items 1, 2, 3, 5, 6, 7, 8 and node 2 items 0 and 4.
TEST(CategorySummary, CountsEachCategoryBelowEachNode) {
  const Tree tree = lopsided_tree();
  const std::vector<std::uint32_t> category{0, 1, 2, 0, 1, 2, 0, 1, 2};  // item i: i % 3
  const CategorySummary s(tree, category, 3);
  const auto below = [&](Code c) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> out;
    for (const auto& e : s.below(static_cast<std::uint64_t>(tree.node_index(c)))) out.push_back({e.category, e.items});
    return out;
  };
  using V = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  EXPECT_EQ(below(0), (V{{0, 3}, {1, 3}, {2, 3}}));
  EXPECT_EQ(below(1), (V{{0, 2}, {1, 2}, {2, 3}}));  // items 1, 2, 3, 5, 6, 7, 8
  EXPECT_EQ(below(2), (V{{0, 1}, {1, 1}}));          // items 0 and 4
  EXPECT_EQ(below(24), (V{{0, 1}}));                  // item 0's leaf
  EXPECT_EQ(s.items_below(0), 9u);
  EXPECT_EQ(s.items_below(static_cast<std::uint64_t>(tree.node_index(2))), 2u);
  EXPECT_THROW(CategorySummary(tree, category, 2), Error);  // category 2 is out of range
  EXPECT_THROW(CategorySummary(tree, std::vector<std::uint32_t>(8, 0), 3), Error);
  const CategorySummary one(tree);  // no categories: every item in category 0
  EXPECT_EQ(one.items_below(0), 9u);
  EXPECT_EQ(one.below(0).size(), 1u);
}

TEST(ItemFilter, CountsPassingItemsBelowEachNode) {
  const Tree tree = lopsided_tree();
  const std::vector<std::uint32_t> category{0, 1, 2, 0, 1, 2, 0, 1, 2};  // item i: i % 3
  FilterSpec spec;
  spec.categories = {0};  // items 0, 3, 6
  const ItemFilter f = make_filter(tree, category, 3, spec);
  EXPECT_EQ(f.passing(), 3u);
  EXPECT_EQ(f.passing_below(1), 2u);
  EXPECT_EQ(f.passing_below(2), 1u);
  EXPECT_EQ(f.passing_below(24), 1u);  // item 0's leaf
  EXPECT_EQ(f.passing_below(15), 0u);  // item 1's leaf
  EXPECT_TRUE(f.passes(3));
  EXPECT_FALSE(f.passes(4));
  spec.exclude_items = {6, 6, 4};  // 4 fails the category rule anyway; twice counts once
  EXPECT_EQ(make_filter(tree, category, 3, spec).passing_below(1), 1u);
  EXPECT_EQ(make_filter(tree, category, 3, spec).passing(), 2u);
  EXPECT_FALSE(make_filter(tree, category, 3, spec).passes(6));
  spec.exclude_categories = {0};  // refusing wins over allowing
  EXPECT_EQ(make_filter(tree, category, 3, spec).passing(), 0u);
  spec = {};
  spec.exclude_categories = {2};
  EXPECT_EQ(make_filter(tree, category, 3, spec).passing(), 6u);
  spec = {};
  spec.exclude_items = {0, 8};  // no category rule
  EXPECT_EQ(make_filter(tree, category, 3, spec).passing(), 7u);
  EXPECT_EQ(make_filter(tree, category, 3, spec).passing_below(2), 1u);
  spec.categories = {3};
  EXPECT_THROW(make_filter(tree, category, 3, spec), Error);
  spec = {};
  spec.exclude_items = {9};
  EXPECT_THROW(make_filter(tree, category, 3, spec), Error);
}

// Every node's count equals a count over the items below it, on random trees and rules.
TEST(ItemFilter, CountsEqualACountOverTheItems) {
  std::mt19937 rng(7);
  // 6 categories: nodes hold few, and counts scan them; 60: upper nodes hold many more than a
  // rule lists, and counts look the listed ones up (allowed ones, or on odd trials refused ones).
  for (const auto& [n, categories] : {std::pair{1u, 6u}, {2u, 6u}, {37u, 6u}, {300u, 6u}, {300u, 60u}, {900u, 60u}}) {
    const Tree tree = test::random_tree(n, n + 11);
    std::vector<std::uint32_t> category(n);
    for (auto& c : category) c = static_cast<std::uint32_t>(rng() % categories);
    const auto summary = std::make_shared<CategorySummary>(tree, category, categories);
    for (int trial = 0; trial < 8; ++trial) {
      FilterSpec spec;
      const std::uint32_t allow_one_in = categories == 6 ? 3 : 20, refuse_one_in = categories == 6 ? 4 : 15;
      for (std::uint32_t c = 0; c < categories; ++c) {
        if (trial % 2 == 0 && rng() % allow_one_in == 0) spec.categories.push_back(c);
        if (rng() % refuse_one_in == 0) spec.exclude_categories.push_back(c);
      }
      for (std::uint32_t i = 0; i < n; ++i)
        if (rng() % 5 == 0) spec.exclude_items.push_back(i);
      const ItemFilter f(summary, spec);
      const auto allowed = [&](std::uint32_t i) {
        const auto has = [](const std::vector<std::uint32_t>& v, std::uint32_t x) {
          return std::find(v.begin(), v.end(), x) != v.end();
        };
        return (spec.categories.empty() || has(spec.categories, category[i])) &&
               !has(spec.exclude_categories, category[i]) && !has(spec.exclude_items, i);
      };
      for (std::uint64_t k = 0; k < tree.num_nodes(); ++k) {
        const Code c = tree.node_code(k);
        std::uint64_t want = 0;
        for (std::uint32_t i = 0; i < n; ++i)
          want += allowed(i) && ancestor_code(tree.leaf(i), code_level(c)) == c;
        ASSERT_EQ(f.passing_below(c), want) << "n " << n << " node " << c;
      }
      for (std::uint32_t i = 0; i < n; ++i) ASSERT_EQ(f.passes(i), allowed(i)) << i;
    }
  }
}

TEST(ItemFilter, FilteredBeamSearchEqualsFilteredBruteForce) {
  for (std::uint32_t n : {9u, 100u, 257u}) {
    const Tree tree = test::random_tree(n, n * 17);
    std::vector<std::uint32_t> category(n);
    for (std::uint32_t i = 0; i < n; ++i) category[i] = (i * 7 + 3) % 5;
    FilterSpec spec;
    spec.categories = {1, 3};
    spec.exclude_items = {2, 5, n - 1};
    const ItemFilter filter = make_filter(tree, category, 5, spec);
    const std::uint32_t queries = 5;
    const ScoreFn fn = test::distinct_scores(n, queries, Code{2} << tree.max_level());
    const FnNodeScorerFactory nodes(fn);
    for (std::uint32_t m : {1u, 10u, n}) {
      BeamSearchOptions options;
      options.beam = n;  // the beam covers the tree: the exact filtered top M
      options.top = m;
      options.filter = &filter;
      BruteForceOptions bf;
      bf.top = m;
      bf.chunk = 16;
      bf.filter = &filter;
      const RankedLists beam = BeamSearch(tree, options).search(nodes, queries);
      const RankedLists exact = BruteForce(bf).search(LeafItemScorerFactory(tree, nodes), queries);
      EXPECT_EQ(beam.items, exact.items) << "n " << n << " M " << m;
      EXPECT_EQ(beam.scores, exact.scores);
      for (std::uint32_t q = 0; q < queries; ++q) {
        EXPECT_EQ(beam.items_of(q).size(), std::min<std::uint64_t>(m, filter.passing()));
        for (std::uint32_t item : beam.items_of(q)) EXPECT_TRUE(filter.passes(item)) << item;
      }
    }
  }
}

TEST(ItemFilter, NarrowBeamStillReturnsMPassingItems) {
  const std::uint32_t n = 1000;
  const Tree tree = test::random_tree(n, 5);
  std::vector<std::uint32_t> category(n);
  for (std::uint32_t i = 0; i < n; ++i) category[i] = i % 10;  // a tenth of the items pass
  FilterSpec spec;
  spec.categories = {4};
  const ItemFilter filter = make_filter(tree, category, 10, spec);
  ASSERT_EQ(filter.passing(), 100u);
  const std::uint32_t queries = 8;
  const FnNodeScorerFactory nodes(test::distinct_scores(9, queries, Code{2} << tree.max_level()));
  for (std::uint32_t m : {20u, 100u, 150u}) {
    BeamSearchOptions options;
    options.beam = 4;  // far fewer nodes than the passing items need
    options.top = m;
    options.filter = &filter;
    const RankedLists r = BeamSearch(tree, options).search(nodes, queries);
    for (std::uint32_t q = 0; q < queries; ++q) {
      EXPECT_EQ(r.items_of(q).size(), std::min(m, 100u)) << "M " << m;
      for (std::uint32_t item : r.items_of(q)) EXPECT_TRUE(filter.passes(item));
    }
  }
}

}  // namespace
}  // namespace treerec
