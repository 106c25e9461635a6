// Layer-wise beam search over the tree index (ALGORITHMS §6), for a batch of queries at a time and
// one scoring call per layer for the whole batch (as PECOS walks its label trees):
//   1. start at s, the first level with at least k non-empty nodes, and keep all of them (if no
//      level has k, every leaf is scored);
//   2. at each next level score the non-empty children of the beam and keep the best k;
//   3. at the leaf level return the best M items.
// Ranking (BeamRanking): by the node's own score p̂(n | u) (TDM, JTM), or for HSM (ALGORITHMS §9) by
// the product of conditional probabilities along the path, i.e. the sum of log-probabilities.
// Cost: at most 2k·l_max node scores per query with node ranking (RankedLists::scored counts
// them); brute force scores |C|.
#pragma once

#include <cstdint>
#include <span>

#include "treerec/search/item_filter.h"
#include "treerec/search/node_scorer.h"
#include "treerec/search/ranked_lists.h"
#include "treerec/tree/tree.h"

namespace treerec {

enum class BeamRanking : std::uint8_t {
  // Rank every node by its own score (p̂(n | u) or a logit). Nodes above level s+1 are never
  // scored. Returned scores are the leaves' scores.
  node_score,
  // HSM: the scorer returns log p̂(n | parent(n), u) (<= 0; a log-sigmoid of a logit is
  // numerically safe) and nodes are ranked by the sum of these from level 1 down to the node,
  // i.e. the log of the path's probability product. Since the start level's nodes need their
  // path sums too, levels 1..s are scored in full (fewer than k nodes each, fewer than 2k at
  // s), which adds fewer than k·(s+1) scores to the 2k·l_max bound. Returned scores are the
  // leaves' path sums.
  path_sum,
};

struct BeamSearchOptions {
  std::uint32_t beam = 200;   // k >= 1: nodes kept per level (ALGORITHMS §6 default 200)
  std::uint32_t top = 200;    // M >= 1: items returned per query (ALGORITHMS §6 default 200)
  std::uint32_t batch = 256;  // >= 1: queries per scoring call
  int threads = 0;            // worker threads; 0 = the process default (util/parallel.h)
  BeamRanking ranking = BeamRanking::node_score;
  // Only items that pass (item_filter.h): nodes without a passing item below are never scored,
  // and each level keeps beyond k, best first, until its nodes hold at least M passing items,
  // so M passing items come back whenever the tree has M (exclusions aside). Must outlive the
  // search; null: no filter.
  const ItemFilter* filter = nullptr;
};

// ALGORITHMS §6 step 1: the first level with at least `beam` non-empty nodes, or l_max if none has.
std::uint32_t beam_start_level(const Tree& tree, std::uint32_t beam);

class BeamSearch {
 public:
  // The tree must outlive the search and have at least one item. Throws Error on bad options.
  BeamSearch(const Tree& tree, BeamSearchOptions options);

  const BeamSearchOptions& options() const { return options_; }
  std::uint32_t start_level() const { return start_level_; }

  // Searches for every query in `queries` (indices the factory understands); row i of the
  // result belongs to queries[i] and holds min(M, candidates) items, best first, ties broken
  // by the smaller leaf code. Items in exclude(query) are never scored at the leaf level nor
  // returned (inner nodes are not affected, so fewer than M items may come back).
  // Results depend only on each query's scores: batch size and thread count do not change them.
  RankedLists search(const NodeScorerFactory& factory, std::span<const std::uint32_t> queries,
                     const ExcludeFn& exclude = {}) const;
  // The same for queries 0 .. num_queries - 1.
  RankedLists search(const NodeScorerFactory& factory, std::uint32_t num_queries,
                     const ExcludeFn& exclude = {}) const;

 private:
  const Tree& tree_;
  BeamSearchOptions options_;
  std::uint32_t start_level_ = 0;
};

}  // namespace treerec
