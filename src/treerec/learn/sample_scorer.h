// The scoring half of JTM tree learning (ALGORITHMS §7.2): the training samples of each target item
// (A_c), and Σ over an item's samples of log p̂(n | u) for sets of nodes at given levels, with
// the user features built as in training on the model's tree.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/tree/tree.h"

namespace treerec {

// A_c for every item c: the dataset's training samples whose target is c, in Dataset sample
// order ((user, position) increasing). With max_per_item > 0, an item with more samples keeps
// max_per_item of them, chosen uniformly without replacement by Rng(mix_seed(seed, c)) (kept in
// sample order): a pure function of (dataset, max_per_item, seed).
class TargetSamples {
 public:
  TargetSamples(const Dataset& dataset, std::uint32_t max_per_item, std::uint64_t seed);
  std::span<const Sample> of(std::uint32_t item) const {
    return std::span<const Sample>(samples_).subspan(offsets_[item], offsets_[item + 1] - offsets_[item]);
  }
  std::uint32_t num_items() const { return static_cast<std::uint32_t>(offsets_.size() - 1); }
  std::uint64_t total() const { return samples_.size(); }

 private:
  std::vector<Sample> samples_;
  std::vector<std::uint64_t> offsets_;  // items + 1
};

// The model with one extra node-table row of zeros at index node_rows (the row a node empty in
// the model's tree is scored with). A copy: it costs the model's memory once more.
std::unique_ptr<PreferenceModel> with_zero_node_row(const PreferenceModel& model);

// One set of nodes to score at one level: codes at `level` (distinct).
struct LevelNodes {
  std::uint32_t level = 0;
  std::span<const Code> codes;
};

// Per-thread scorer: owns the model state and batch. `model` is with_zero_node_row() of the
// trained model; `model_tree` and `features` the tree it was trained on and its features.
class SampleScorer {
 public:
  SampleScorer(const Dataset& dataset, const Tree& model_tree, const PreferenceModel& model,
               const HierarchicalPreference& features);

  // sums[k] += Σ_{s ∈ samples} log p̂(code_k | u_s at its level), k running over the codes of
  // `sets` in order. One batch group per (sample, set) — one per sample for tdm features — whose
  // rows are the set's non-empty nodes plus, if any node is empty in the model's tree, one zero
  // row shared by all of them. Samples are batched so that a forward call holds at most about
  // forward_rows_budget() rows; the layout depends only on the arguments. Returns the rows scored.
  std::uint64_t score(std::span<const Sample> samples, std::span<const LevelNodes> sets, std::span<double> sums);
  // The tree the model was trained on (whose leaf rows belong to the items, ALGORITHMS §7.1).
  const Tree& model_tree() const { return tree_; }

 private:
  // `history` without the items the model's tree does not hold (a dataset that extends the
  // tree's, learn/add_items.h): the model knows nothing of them.
  std::span<const std::uint32_t> known_items(std::span<const std::uint32_t> history);
  const Dataset& dataset_;
  const Tree& tree_;
  const PreferenceModel& model_;
  const HierarchicalPreference& features_;
  std::uint32_t zero_row_;
  std::size_t rows_budget_;
  std::unique_ptr<ModelState> state_;
  ModelBatch batch_;
  std::vector<float> logits_;
  std::vector<std::int64_t> slot_;  // per code: its row within the set's segment (zero row: shared)
  std::vector<std::uint32_t> set_rows_;
  std::vector<std::uint32_t> known_;
};

}  // namespace treerec
