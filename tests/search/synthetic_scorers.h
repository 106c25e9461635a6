// Deterministic synthetic scorers and random trees for the search tests: every score is a pure
// function of (query, level, node) that the tests can also evaluate directly.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <numeric>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "treerec/search/item_scorer.h"
#include "treerec/search/node_scorer.h"
#include "treerec/tree/tree.h"
#include "treerec/util/random.h"

namespace treerec::test {

// A tree with `items` items on random distinct leaves of level l_max = max_level_for(items)
// (the only depth a Tree accepts, ALGORITHMS §1). Unless `items` is a power of two some leaves are
// empty; for counts just above a power of two (9, 33, 65, 130, ...) about half of them are, so
// whole subtrees are empty too (tests that rely on that check empty_inner_nodes()).
inline Tree random_tree(std::uint32_t items, std::uint64_t seed) {
  const std::uint32_t l_max = max_level_for(items);
  const Code first_leaf = level_first_code(l_max);
  std::vector<Code> leaves(std::size_t{1} << l_max);
  std::iota(leaves.begin(), leaves.end(), first_leaf);
  Rng rng(seed);
  shuffle(leaves.begin(), leaves.end(), rng);
  leaves.resize(items);
  StringTable ids;
  for (std::uint32_t i = 0; i < items; ++i) ids.add("item" + std::to_string(i));
  return Tree(std::move(leaves), l_max, std::move(ids));
}

// The number of empty nodes above the leaf level (roots of empty subtrees and their empty
// descendants), counted from the tree's own level lists.
inline std::uint64_t empty_inner_nodes(const Tree& tree) {
  std::uint64_t empty = 0;
  for (std::uint32_t level = 0; level < tree.max_level(); ++level)
    empty += (std::uint64_t{1} << level) - tree.level_nodes(level).size();
  return empty;
}

inline Tree tree_from_leaves(std::vector<Code> leaves, std::uint32_t l_max) {
  StringTable ids;
  for (std::size_t i = 0; i < leaves.size(); ++i) ids.add("item" + std::to_string(i));
  return Tree(std::move(leaves), l_max, std::move(ids));
}

// score(query, level, code) as a plain function.
using ScoreFn = std::function<float(std::uint32_t query, std::uint32_t level, Code code)>;

// Scores in [0, 1) quantised to `levels` values: many ties when `levels` is small.
inline ScoreFn hash_scores(std::uint64_t seed, std::uint32_t levels = 1u << 24) {
  return [seed, levels](std::uint32_t q, std::uint32_t, Code c) {
    return static_cast<float>(mix_seed(seed, q, c) % levels) / static_cast<float>(levels);
  };
}

// Log-probabilities in (-8, 0], for path-sum (HSM) ranking.
inline ScoreFn log_prob_scores(std::uint64_t seed) {
  return [seed](std::uint32_t q, std::uint32_t, Code c) {
    return -static_cast<float>(mix_seed(seed, q, c) % 4096) / 512.0f;
  };
}

// Scores that are distinct for each query over all codes below `codes` (a random permutation
// of 0 .. codes - 1 per query), so exact rankings have no ties at all.
inline ScoreFn distinct_scores(std::uint64_t seed, std::uint32_t queries, Code codes) {
  auto table = std::make_shared<std::vector<std::vector<float>>>(queries);
  for (std::uint32_t q = 0; q < queries; ++q) {
    auto& row = (*table)[q];
    row.resize(codes);
    std::iota(row.begin(), row.end(), 0.0f);
    Rng rng(mix_seed(seed, q));
    shuffle(row.begin(), row.end(), rng);
  }
  return [table](std::uint32_t q, std::uint32_t, Code c) { return (*table).at(q).at(c); };
}

// Counts what the search asked for, across all scorers a factory made.
struct ScorerLog {
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> calls{0};
  std::atomic<std::uint64_t> scores{0};
  std::mutex mu;
  std::vector<std::uint32_t> levels;  // levels of the calls, in call order (under mu)
};

// A NodeScorer over a ScoreFn that also checks the call contract of node_scorer.h.
class FnNodeScorer final : public NodeScorer {
 public:
  FnNodeScorer(ScoreFn fn, ScorerLog* log) : fn_(std::move(fn)), log_(log) {}
  void start_batch(std::span<const std::uint32_t> queries) override {
    queries_.assign(queries.begin(), queries.end());
    if (log_) ++log_->batches;
  }
  void score(std::uint32_t level, std::span<const std::uint32_t> row_begin,
             std::span<const Code> nodes, std::span<float> scores) override {
    EXPECT_EQ(row_begin.size(), queries_.size() + 1);
    EXPECT_EQ(row_begin.front(), 0u);
    EXPECT_EQ(row_begin.back(), nodes.size());
    EXPECT_EQ(scores.size(), nodes.size());
    if (log_) {
      ++log_->calls;
      log_->scores += nodes.size();
      std::lock_guard<std::mutex> lock(log_->mu);
      log_->levels.push_back(level);
    }
    for (std::size_t q = 0; q + 1 < row_begin.size(); ++q) {
      EXPECT_LE(row_begin[q], row_begin[q + 1]);
      std::set<Code> seen;
      for (std::uint32_t i = row_begin[q]; i < row_begin[q + 1]; ++i) {
        EXPECT_EQ(code_level(nodes[i]), level);
        EXPECT_TRUE(seen.insert(nodes[i]).second) << "node " << nodes[i] << " twice in a row";
        scores[i] = fn_(queries_[q], level, nodes[i]);
      }
    }
  }

 private:
  ScoreFn fn_;
  ScorerLog* log_;
  std::vector<std::uint32_t> queries_;
};

class FnNodeScorerFactory final : public NodeScorerFactory {
 public:
  explicit FnNodeScorerFactory(ScoreFn fn, ScorerLog* log = nullptr)
      : fn_(std::move(fn)), log_(log) {}
  std::unique_ptr<NodeScorer> make() const override {
    return std::make_unique<FnNodeScorer>(fn_, log_);
  }

 private:
  ScoreFn fn_;
  ScorerLog* log_;
};

// An item-level scorer over fn(query, item): the DNN / YouTube baseline shape.
using ItemScoreFn = std::function<float(std::uint32_t query, std::uint32_t item)>;

class FnItemScorerFactory final : public ItemScorerFactory {
 public:
  FnItemScorerFactory(std::uint32_t items, ItemScoreFn fn) : items_(items), fn_(std::move(fn)) {}
  std::uint32_t num_items() const override { return items_; }
  std::unique_ptr<ItemScorer> make() const override {
    class Scorer final : public ItemScorer {
     public:
      explicit Scorer(const FnItemScorerFactory& f) : f_(f) {}
      void start_batch(std::span<const std::uint32_t> queries) override {
        queries_.assign(queries.begin(), queries.end());
      }
      void score(std::uint32_t begin, std::uint32_t end, std::span<float> scores) override {
        EXPECT_LT(begin, end);
        EXPECT_LE(end, f_.items_);
        const std::size_t width = end - begin;
        EXPECT_EQ(scores.size(), queries_.size() * width);
        for (std::size_t q = 0; q < queries_.size(); ++q)
          for (std::uint32_t i = begin; i < end; ++i)
            scores[q * width + (i - begin)] = f_.fn_(queries_[q], i);
      }

     private:
      const FnItemScorerFactory& f_;
      std::vector<std::uint32_t> queries_;
    };
    return std::make_unique<Scorer>(*this);
  }

 private:
  std::uint32_t items_;
  ItemScoreFn fn_;
};

}  // namespace treerec::test
