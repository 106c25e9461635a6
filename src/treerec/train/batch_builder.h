// Turns training samples into model batches with labels (ALGORITHMS §5 for the tree methods, ALGORITHMS §9
// for the DNN baseline).
//
// Tree methods (tdm, jtm-hi, jtm-h): for a sample whose target item sits on leaf n = π(c), the
// rows are, level by level for j = 1..l_max, the positive b_j(n) (label 1) followed by that
// level's k_j negatives (label 0) from LayerSampler.
//  - tdm: the behaviour features are the same at every level (ALGORITHMS §4), so ALL of a sample's
//    rows form ONE group: the model computes the user part (the window means and, for the DNN
//    network, W1u·u + b1) once per sample instead of once per level. The logits are the same
//    as with one group per level; only the work shrinks (about 20 fewer user blocks per sample
//    at l_max = 21).
//  - jtm-hi, jtm-h: one group per (sample, level j), holding the behaviours as represented at
//    level j (HierarchicalPreference) and that level's rows.
// DNN (ALGORITHMS §9: the same network without a tree): one group per sample at the leaf level: the
// positive leaf π(c), then N negatives drawn uniformly without replacement from the leaves of
// all other items. Node rows are Tree::node_index of those leaves.
// HSM (ALGORITHMS §9): one group per sample with TDM features; per level j whose positive b_j(n)
// has a non-empty sibling, the positive (label 1) and the sibling (label 0); levels whose
// positive is an only child add no row (sample_siblings). Rows per sample therefore vary:
// rows_per_sample() is the most (2 l_max) and sample_rows() the exact count.
//
// The builder is read-only after construction and may be shared by threads; each thread fills
// its own TrainBatch, whose buffers are reused (no allocation in steady state).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/model_batch.h"
#include "treerec/train/layer_sampler.h"
#include "treerec/tree/tree.h"
#include "treerec/util/random.h"

namespace treerec {

struct TrainBatch {
  ModelBatch model;
  std::vector<float> labels;  // one per row of `model`: 1 for a positive, 0 for a negative

  std::size_t num_rows() const { return model.num_rows(); }
  void clear() {
    model.clear();
    labels.clear();
  }
};

class BatchBuilder {
 public:
  // A tree method: layer_negatives[j - 1] = k_j for j = 1..l_max. Throws Error when a level
  // cannot supply k_j distinct negatives (LayerSampler). All referenced objects must outlive
  // the builder; `features` must be built for `tree`.
  static BatchBuilder tree_levels(const Dataset& dataset, const Tree& tree, const HierarchicalPreference& features,
                                  std::vector<std::uint32_t> layer_negatives);
  // The DNN baseline: `negatives` leaves per sample from the other items. Throws Error when the
  // corpus has fewer than negatives + 1 items.
  static BatchBuilder corpus(const Dataset& dataset, const Tree& tree, const HierarchicalPreference& features,
                             std::uint32_t negatives);

  // HSM: each positive's sibling is its level's negative. `features` must be TDM features.
  static BatchBuilder siblings(const Dataset& dataset, const Tree& tree, const HierarchicalPreference& features);

  // Rows and groups one sample adds (fixed for a builder; for siblings() the most rows).
  std::uint32_t rows_per_sample() const { return rows_per_sample_; }
  std::uint32_t groups_per_sample() const { return groups_per_sample_; }
  bool corpus_negatives() const { return !sampler_ && !siblings_; }
  // The rows `sample` adds: rows_per_sample(), except for siblings().
  std::uint32_t sample_rows(Sample sample) const {
    return siblings_ ? sibling_rows_[dataset_->target(sample)] : rows_per_sample_;
  }

  // Appends the sample's groups, rows and labels to `out`, drawing its negatives from `rng`.
  void add(Sample sample, Rng& rng, TrainBatch& out) const;
  // Grows `out` to hold `samples` samples without reallocating.
  void reserve(TrainBatch& out, std::size_t samples) const;

 private:
  BatchBuilder(const Dataset& dataset, const Tree& tree, const HierarchicalPreference& features);
  void add_levels(std::span<const std::uint32_t> history, std::uint32_t target, Rng& rng, TrainBatch& out) const;
  void add_corpus(std::span<const std::uint32_t> history, std::uint32_t target, Rng& rng, TrainBatch& out) const;
  void add_siblings(std::span<const std::uint32_t> history, std::uint32_t target, TrainBatch& out) const;

  const Dataset* dataset_;
  const Tree* tree_;
  const HierarchicalPreference* features_;
  std::optional<LayerSampler> sampler_;  // tree methods
  std::uint32_t negatives_ = 0;          // dnn
  std::vector<std::uint32_t> leaf_row_;  // dnn: item -> node_index(leaf(item))
  bool siblings_ = false;                 // hsm
  std::vector<std::uint32_t> sibling_rows_;  // hsm: item -> rows of a sample with that target
  std::uint32_t rows_per_sample_ = 0;
  std::uint32_t groups_per_sample_ = 0;
};

}  // namespace treerec
