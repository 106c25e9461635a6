#include "treerec/train/batch_builder.h"

#include <algorithm>

#include "treerec/util/error.h"

namespace treerec {

BatchBuilder::BatchBuilder(const Dataset& dataset, const Tree& tree, const HierarchicalPreference& features)
    : dataset_(&dataset), tree_(&tree), features_(&features) {
  TR_CHECK(dataset.num_items() == tree.num_items(), "the dataset has ", dataset.num_items(),
           " items but the tree holds ", tree.num_items(), ": the tree was built for another dataset");
  TR_CHECK(features.num_items() == tree.num_items() && features.max_level() == tree.max_level(),
           "the behaviour features were built for another tree");
}

BatchBuilder BatchBuilder::tree_levels(const Dataset& dataset, const Tree& tree, const HierarchicalPreference& features,
                                       std::vector<std::uint32_t> layer_negatives) {
  BatchBuilder b(dataset, tree, features);
  b.sampler_.emplace(tree, std::move(layer_negatives));
  b.rows_per_sample_ = b.sampler_->rows_per_sample();
  // tdm: one group per sample (the features do not depend on the level); else one per level.
  b.groups_per_sample_ = features.representation() == Representation::tdm ? 1 : tree.max_level();
  return b;
}

BatchBuilder BatchBuilder::corpus(const Dataset& dataset, const Tree& tree, const HierarchicalPreference& features,
                                  std::uint32_t negatives) {
  BatchBuilder b(dataset, tree, features);
  if (std::uint64_t{negatives} + 1 > tree.num_items())
    fail("--negatives ", negatives, ": the corpus has ", tree.num_items(), " items, so at most ",
         tree.num_items() - 1, " other items can be negatives");
  b.negatives_ = negatives;
  b.leaf_row_.resize(tree.num_items());
  for (std::uint32_t item = 0; item < tree.num_items(); ++item)
    b.leaf_row_[item] = static_cast<std::uint32_t>(tree.node_index(tree.leaf(item)));
  b.rows_per_sample_ = 1 + negatives;
  b.groups_per_sample_ = 1;
  return b;
}

BatchBuilder BatchBuilder::siblings(const Dataset& dataset, const Tree& tree, const HierarchicalPreference& features) {
  TR_CHECK(features.representation() == Representation::tdm, "hsm uses the tdm representation, not ",
           representation_name(features.representation()));
  BatchBuilder b(dataset, tree, features);
  b.siblings_ = true;
  b.sibling_rows_.resize(tree.num_items());
  std::vector<std::uint32_t> scratch;
  for (std::uint32_t item = 0; item < tree.num_items(); ++item) {
    scratch.clear();
    b.sibling_rows_[item] = 2 * sample_siblings(tree, tree.leaf(item), scratch);
  }
  b.rows_per_sample_ = 2 * tree.max_level();
  b.groups_per_sample_ = 1;
  return b;
}

void BatchBuilder::reserve(TrainBatch& out, std::size_t samples) const {
  const std::size_t groups = samples * groups_per_sample_, rows = samples * rows_per_sample_;
  out.model.features.reserve(groups * kMaxBehaviors);
  out.model.feature_offsets.reserve(groups + 1);
  out.model.row_offsets.reserve(groups + 1);
  out.model.nodes.reserve(rows);
  out.labels.reserve(rows);
}

void BatchBuilder::add(Sample sample, Rng& rng, TrainBatch& out) const {
  const auto history = dataset_->history(sample);
  const std::uint32_t target = dataset_->target(sample);
  if (sampler_) add_levels(history, target, rng, out);
  else if (siblings_) add_siblings(history, target, out);
  else add_corpus(history, target, rng, out);
}

void BatchBuilder::add_siblings(std::span<const std::uint32_t> history, std::uint32_t target,
                                TrainBatch& out) const {
  ModelBatch& b = out.model;
  features_->add_group(history, tree_->max_level(), b);  // tdm: the level is irrelevant
  const std::uint32_t pairs = sample_siblings(*tree_, tree_->leaf(target), b.nodes);
  for (std::uint32_t i = 0; i < pairs; ++i) {
    out.labels.push_back(1.0f);
    out.labels.push_back(0.0f);
  }
  b.row_offsets.back() = b.nodes.size();
}

void BatchBuilder::add_levels(std::span<const std::uint32_t> history, std::uint32_t target, Rng& rng,
                              TrainBatch& out) const {
  ModelBatch& b = out.model;
  const std::uint32_t L = tree_->max_level();
  const std::size_t first_row = b.nodes.size();
  if (groups_per_sample_ == 1) features_->add_group(history, L, b);  // tdm: the level is irrelevant
  // Levels 1..l_max in order: the positive, then k_j negatives (LayerSampler's layout).
  sampler_->sample(tree_->leaf(target), rng, b.nodes);
  for (std::uint32_t l = 1; l <= L; ++l) {
    out.labels.push_back(1.0f);
    out.labels.insert(out.labels.end(), sampler_->negatives(l), 0.0f);
  }
  if (groups_per_sample_ == 1) {
    b.row_offsets.back() = b.nodes.size();
    return;
  }
  // One group per level: that level's behaviour rows and its 1 + k_j node rows.
  std::size_t row_end = first_row;
  for (std::uint32_t l = 1; l <= L; ++l) {
    features_->map(history, l, b.features);
    row_end += 1 + sampler_->negatives(l);
    b.feature_offsets.push_back(b.features.size());
    b.row_offsets.push_back(row_end);
  }
}

void BatchBuilder::add_corpus(std::span<const std::uint32_t> history, std::uint32_t target, Rng& rng,
                              TrainBatch& out) const {
  ModelBatch& b = out.model;
  features_->add_group(history, tree_->max_level(), b);
  b.nodes.push_back(leaf_row_[target]);
  const std::size_t first = b.nodes.size();
  // Values v in [0, others) stand for the items other than the target.
  const std::uint64_t others = tree_->num_items() - 1;
  const auto item_of = [&](std::uint64_t v) { return static_cast<std::uint32_t>(v + (v >= target ? 1 : 0)); };
  if (negatives_ == others) {
    for (std::uint64_t v = 0; v < others; ++v) b.nodes.push_back(leaf_row_[item_of(v)]);
  } else {
    // Floyd's algorithm: `negatives_` distinct values with exactly that many draws. Leaves are
    // distinct per item, so distinct rows mean distinct items.
    for (std::uint64_t j = others - negatives_; j < others; ++j) {
      const std::uint32_t row = leaf_row_[item_of(rng.uniform(j + 1))];
      const bool seen = std::find(b.nodes.begin() + static_cast<std::ptrdiff_t>(first), b.nodes.end(), row) !=
                        b.nodes.end();
      b.nodes.push_back(seen ? leaf_row_[item_of(j)] : row);
    }
  }
  b.row_offsets.back() = b.nodes.size();
  out.labels.push_back(1.0f);
  out.labels.insert(out.labels.end(), negatives_, 0.0f);
}

}  // namespace treerec
