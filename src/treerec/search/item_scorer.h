// What brute-force retrieval needs from a model (ALGORITHMS §6, §9): scores of every item for a batch
// of queries, asked one contiguous block of item ids at a time, so that an item-level model
// (DNN, YouTube product-DNN: user vectors times an item-embedding block) scores a dense block
// in one call. A tree model is adapted by LeafItemScorerFactory, which scores each item's leaf.
//
// Queries and threads follow node_scorer.h: queries are indices into a caller-owned list the
// factory knows; make() is called concurrently, once per worker thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "treerec/search/node_scorer.h"
#include "treerec/tree/tree.h"

namespace treerec {

class ItemScorer {
 public:
  virtual ~ItemScorer() = default;

  // Starts a batch: row q of every following score() call belongs to queries[q]. The span is
  // valid until the next start_batch().
  virtual void start_batch(std::span<const std::uint32_t> queries) = 0;

  // Scores items [item_begin, item_end) for every query of the batch, row-major:
  // scores[q * (item_end - item_begin) + (i - item_begin)] is item i's score for query q.
  // Scores must depend on (query, item) only and must not be NaN; higher is better.
  virtual void score(std::uint32_t item_begin, std::uint32_t item_end, std::span<float> scores) = 0;
};

class ItemScorerFactory {
 public:
  virtual ~ItemScorerFactory() = default;
  // The corpus size: items are 0 .. num_items() - 1.
  virtual std::uint32_t num_items() const = 0;
  // A new scorer with its own scratch space; called once per worker thread, concurrently.
  virtual std::unique_ptr<ItemScorer> make() const = 0;
};

// Scores each item by its leaf's node score p̂(π(c) | u), so a tree model can be brute-forced
// (the exact top-M that beam search approximates). Both referenced objects must outlive it.
class LeafItemScorerFactory final : public ItemScorerFactory {
 public:
  LeafItemScorerFactory(const Tree& tree, const NodeScorerFactory& nodes)
      : tree_(tree), nodes_(nodes) {}
  std::uint32_t num_items() const override { return tree_.num_items(); }
  std::unique_ptr<ItemScorer> make() const override;

 private:
  const Tree& tree_;
  const NodeScorerFactory& nodes_;
};

}  // namespace treerec
