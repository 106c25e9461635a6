// Retrieval with a trained preference model (ALGORITHMS §4, §6): the NodeScorer and ItemScorer that
// beam search and brute force call, backed by a PreferenceModel.
//
// A query is a user's behaviour history, OLDEST first, as the dataset stores it (QueryHistories
// gives it by query index: a dataset's evaluation users, or ad-hoc lists when serving). For
// each scoring call the scorer builds one ModelBatch for the whole query batch: one group per
// query (its history mapped for the call's level by HierarchicalPreference), whose rows are the
// query's candidate nodes; one forward pass gives every score. Scores are the model's logits,
// an increasing function of p̂(n | u), which is all node-score ranking needs (ALGORITHMS §6).
//
// Threads: the factories share the read-only model, features, tree and histories; each scorer
// owns its ModelState and ModelBatch, which stop allocating once they have grown to the
// largest call. A row's score is computed from (history, level, node) alone; the only way the
// batch layout can show is the last bits of the BLAS products, which may in principle differ
// with the number of rows of a call.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/model_fit.h"
#include "treerec/model/preference_model.h"
#include "treerec/search/item_scorer.h"
#include "treerec/search/node_scorer.h"
#include "treerec/tree/tree.h"

namespace treerec {

class Dataset;

// The behaviour history of each query, oldest first (only the last 69 items are used).
// history() is called concurrently and must be thread-safe; a returned span stays valid while
// the object lives.
class QueryHistories {
 public:
  virtual ~QueryHistories() = default;
  virtual std::size_t size() const = 0;
  virtual std::span<const std::uint32_t> history(std::uint32_t query) const = 0;
};

// Query q is users[q] of a dataset, with its evaluation features (Dataset::eval_features,
// ALGORITHMS §2.6: the last up to 69 items of the first half of its sequence). Both referenced
// objects must outlive it.
class EvalUserHistories final : public QueryHistories {
 public:
  EvalUserHistories(const Dataset& dataset, std::span<const std::uint32_t> users);
  std::size_t size() const override { return users_.size(); }
  std::span<const std::uint32_t> history(std::uint32_t query) const override;

 private:
  const Dataset& dataset_;
  std::span<const std::uint32_t> users_;
};

// Ad-hoc histories held in one buffer (CSR): serving requests, tests.
class HistoryLists final : public QueryHistories {
 public:
  // Appends a query with this history (oldest first); returns its index.
  std::uint32_t add(std::span<const std::uint32_t> history);
  std::size_t size() const override { return offsets_.size() - 1; }
  std::span<const std::uint32_t> history(std::uint32_t query) const override;

 private:
  std::vector<std::uint32_t> items_;
  std::vector<std::uint64_t> offsets_{0};
};

// Node scores for beam search: the logit of (query, node) at the node's level.
// All referenced objects must outlive the factory and every scorer it makes.
class ModelNodeScorerFactory final : public NodeScorerFactory {
 public:
  // Throws Error (check_model_fits) if the three do not belong together.
  ModelNodeScorerFactory(const PreferenceModel& model, const HierarchicalPreference& features,
                         const Tree& tree, const QueryHistories& histories);
  std::unique_ptr<NodeScorer> make() const override;

 private:
  const PreferenceModel& model_;
  const HierarchicalPreference& features_;
  const Tree& tree_;
  const QueryHistories& histories_;
};

// Item scores for brute force (the DNN baseline, or the exact reference for beam search): item
// c's score is the logit of its leaf π(c) at the leaf level, so it equals the node scorer's
// score of that leaf. All referenced objects must outlive the factory and its scorers.
class ModelItemScorerFactory final : public ItemScorerFactory {
 public:
  // Throws Error (check_model_fits) if the three do not belong together.
  ModelItemScorerFactory(const PreferenceModel& model, const HierarchicalPreference& features,
                         const Tree& tree, const QueryHistories& histories);
  std::uint32_t num_items() const override { return tree_.num_items(); }
  std::unique_ptr<ItemScorer> make() const override;

 private:
  const PreferenceModel& model_;
  const HierarchicalPreference& features_;
  const Tree& tree_;
  const QueryHistories& histories_;
};

}  // namespace treerec
