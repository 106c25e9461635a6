// Exact retrieval (ALGORITHMS §6, §9: DNN, YouTube product-DNN; and the reference beam search is
// measured against, as hnswlib ships a brute-force index beside HNSW): score every item of the
// corpus and return the exact top M. Items are scored in blocks of `chunk` ids for a batch of
// queries, so memory stays at batch × chunk scores plus a bounded heap of M per query.
#pragma once

#include <cstdint>
#include <span>

#include "treerec/search/item_filter.h"
#include "treerec/search/item_scorer.h"
#include "treerec/search/ranked_lists.h"

namespace treerec {

struct BruteForceOptions {
  std::uint32_t top = 200;     // M >= 1: items returned per query (ALGORITHMS §6 default 200)
  std::uint32_t batch = 64;    // >= 1: queries per scoring call
  std::uint32_t chunk = 4096;  // >= 1: items per scoring call
  int threads = 0;             // worker threads; 0 = the process default (util/parallel.h)
  const ItemFilter* filter = nullptr;  // only items that pass (item_filter.h); null: all
};

class BruteForce {
 public:
  // Throws Error on bad options.
  explicit BruteForce(BruteForceOptions options);

  const BruteForceOptions& options() const { return options_; }

  // Row i of the result belongs to queries[i] and holds the min(M, |C| - excluded) best items,
  // best first, ties broken by the smaller item id; excluded items are scored but never
  // returned. RankedLists::scored is |C| per query. Batch size, chunk size and thread count do
  // not change the result.
  RankedLists search(const ItemScorerFactory& factory, std::span<const std::uint32_t> queries,
                     const ExcludeFn& exclude = {}) const;
  // The same for queries 0 .. num_queries - 1.
  RankedLists search(const ItemScorerFactory& factory, std::uint32_t num_queries,
                     const ExcludeFn& exclude = {}) const;

 private:
  BruteForceOptions options_;
};

}  // namespace treerec
