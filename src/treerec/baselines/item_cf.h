// The Item-CF baseline (ALGORITHMS §9): item-item cosine similarity from co-occurrence in the train
// users' histories, the top K neighbours per item, and a user's score for item j
//   p(u, j) = Σ_{i ∈ N(u), j ∈ S(i, K)} w_ij.
//
// Definitions (docs/BASELINES.md):
//  - A train user's history is the set of distinct items among its last `max_history` records
//    (all of them with 0); the cap bounds the pair counting (Σ_u |history|^2) on heavy users.
//  - n_i = the train users whose history holds i; co(i, j) = the train users whose history
//    holds both (each user counts once, however often it saw them);
//    w_ij = co(i, j) / sqrt(n_i n_j), for j != i.
//  - S(i, K) = the K items j with the largest w_ij (ties by the smaller id), only j with
//    co(i, j) > 0; fewer when i co-occurs with fewer items.
//  - N(u) = the distinct items of the query history (for evaluation users their evaluation
//    features, Dataset::eval_features, like every other method). Nothing is excluded from the
//    result by default (the ground truth may repeat history items, and the other methods do
//    not exclude them either); only items with p(u, j) > 0 are returned, so a list may be
//    shorter than M (a short list counts as misses, eval/metrics.h).
//
// Building counts pairs row by row: for each item i, its users' histories are merged into a
// dense per-thread counter (an inverted index item -> users), so memory is the histories, the
// index, K neighbours per item and one counter of |C| per thread, never the |C|^2 pairs.
// Items are spread over threads by stride; every row is computed alone, so the model does not
// depend on the thread count.
//
// Files: magic "TRECICF1", format version 1: sections "itemcf" (JSON: options, items, item-id
// fingerprint, figures), "offsets" (u64, items + 1), "neighbours" (u32), "weights" (f32),
// "users_per_item" (u32, n_i).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "treerec/data/dataset.h"
#include "treerec/search/model_scorer.h"
#include "treerec/search/ranked_lists.h"

namespace treerec {

struct ItemCfOptions {
  std::uint32_t neighbours = 50;    // K >= 1 (ALGORITHMS §9)
  std::uint32_t max_history = 200;  // records per train user used (the most recent); 0 = all
  int threads = 0;                  // 0 = the process default; never changes the model

  // Throws Error naming the option that is out of range.
  void validate(const ParamNamer& name = flag_names()) const;
};

// neighbours and max_history (util/params.h).
const ParamTable<ItemCfOptions>& itemcf_params();

struct ItemCfRetrieveOptions {
  std::uint32_t top = 200;      // M >= 1
  bool exclude_history = false;  // drop the items of N(u) from u's list
  int threads = 0;
};

class ItemCf {
 public:
  ItemCf() = default;

  // Counts co-occurrences in the train users' histories and keeps the top K neighbours per
  // item. Throws Error on bad options.
  static ItemCf build(const Dataset& dataset, const ItemCfOptions& options);
  // Throws Error naming the file if it is not an Item-CF model or is damaged.
  static ItemCf load(const std::string& path);
  // Atomic (temporary file, then rename).
  void save(const std::string& path) const;

  std::uint32_t num_items() const { return static_cast<std::uint32_t>(offsets_.size() - 1); }
  const ItemCfOptions& options() const { return options_; }
  // S(i, K), best first, and the weights w_ij in the same order.
  std::span<const std::uint32_t> neighbours(std::uint32_t item) const;
  std::span<const float> weights(std::uint32_t item) const;
  // n_i: train users whose (capped) history holds item i.
  std::uint32_t users_with(std::uint32_t item) const { return users_per_item_[item]; }
  // What the build saw: {"train_users", "pairs", "seconds", ...}.
  const nlohmann::json& figures() const { return figures_; }
  // Throws Error (naming `source`) unless `dataset` has the items this model was built on.
  void check_dataset(const Dataset& dataset, const std::string& source) const;

  // Row q: query q's min(M, scored) items with p(u, j) > 0, best first (ties by the smaller
  // id), with their scores; RankedLists::scored is the number of items with a score. The
  // result does not depend on the thread count.
  RankedLists retrieve(const QueryHistories& histories, const ItemCfRetrieveOptions& options) const;

 private:
  ItemCfOptions options_;
  std::uint64_t item_fingerprint_ = 0;
  std::vector<std::uint64_t> offsets_{0};
  std::vector<std::uint32_t> neighbours_;
  std::vector<float> weights_;
  std::vector<std::uint32_t> users_per_item_;
  nlohmann::json figures_ = nlohmann::json::object();
};

}  // namespace treerec
