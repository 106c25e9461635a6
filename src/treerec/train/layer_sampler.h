// Negative sampling per tree level (ALGORITHMS §5). For a sample whose target item sits on leaf n,
// the positives are b_j(n) for j = 1..l_max; at each level j, k_j negatives are drawn
// uniformly without replacement from the level's non-empty nodes, excluding the positive
// (all of them when the level has no more than k_j others).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "treerec/tree/tree.h"
#include "treerec/util/random.h"

namespace treerec {

// The default k_1..k_lmax (entry j-1 is level j): proportional to j, so deeper levels get
// more, capped at the level's non-empty nodes minus one, summing to `total` where the tree
// allows (largest-remainder rounding, as the PyTorch reference does).
std::vector<std::uint32_t> default_layer_negatives(const Tree& tree, std::uint32_t total);

// HSM (ALGORITHMS §9): for the item on `leaf`, appends per level j = 1..l_max whose positive
// b_j(leaf) has a non-empty sibling the pair (positive, sibling) as dense node indices
// (Tree::node_index). A level whose positive is an only child adds nothing: its conditional
// probability is 1 by construction (the hierarchical softmax normalises over the non-empty
// children), so there is nothing to learn there. Returns the number of pairs appended.
std::uint32_t sample_siblings(const Tree& tree, Code leaf, std::vector<std::uint32_t>& nodes);

class LayerSampler {
 public:
  // counts[j-1] = k_j; throws Error when a level cannot supply k_j distinct negatives.
  LayerSampler(const Tree& tree, std::vector<std::uint32_t> counts);

  std::uint32_t max_level() const { return static_cast<std::uint32_t>(counts_.size()); }
  std::uint32_t negatives(std::uint32_t level) const { return counts_[level - 1]; }
  // Rows a sample contributes: l_max positives plus all negatives.
  std::uint32_t rows_per_sample() const { return rows_per_sample_; }
  const std::vector<std::uint32_t>& counts() const { return counts_; }

  // For the item on `leaf`, appends per level j = 1..l_max one group of 1 + k_j dense node
  // indices (Tree::node_index): the positive first, then the negatives.
  void sample(Code leaf, Rng& rng, std::vector<std::uint32_t>& nodes) const;

 private:
  const Tree* tree_;
  std::vector<std::uint32_t> counts_;
  std::vector<std::uint64_t> level_offset_;  // node_index of the first node of each level
  std::vector<std::uint64_t> level_size_;
  std::uint32_t rows_per_sample_ = 0;
};

}  // namespace treerec
