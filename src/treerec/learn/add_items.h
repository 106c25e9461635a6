// New items into an existing tree and model without a rebuild (issue 16; docs/ALGORITHMS.md §11).
//
// The dataset extends the tree's (`treerec prepare --extend`): its first tree.num_items() items
// are the tree's, in order; the others are new. Every old item keeps its leaf, bit for bit, up
// to a deeper tree: when the new item count needs another level (2^l_max leaves are full),
// every old leaf c moves to its first descendant at the new leaf level, so each old node keeps
// its code. A new item is placed by, in order of preference:
//  1. its training samples (A_c, as tree learning takes them, ALGORITHMS §7.2) whose history
//     holds an old item (the model knows nothing of new ones, so they leave them out): from the root,
//     each step goes to the child with room whose weight Σ_{s ∈ A_c} log p̂(child | u_s) is
//     higher, both children scored by the model on its tree; where only one child has room, or
//     only one is known to the model, it goes there; where neither is known, scoring stops;
//  2. without such samples, its category: each step goes to the child with room holding more items
//     of the item's category (ties: more room), until no child holds any;
//  3. otherwise (or below the node that 1 or 2 reached): each step goes to the child with more
//     free leaves (ties: the first child), down to a free leaf.
// New items are placed one by one in dense-id order, each seeing the leaves taken before it.
#pragma once

#include <cstdint>
#include <memory>

#include "treerec/data/dataset.h"
#include "treerec/learn/tree_learner.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/tree/tree.h"

namespace treerec {

struct AddItemsResult {
  Tree tree;                          // all of the dataset's items; builder "added" (the old one's if none is new)
  std::uint32_t old_items = 0;
  std::uint32_t by_samples = 0;       // new items placed by their samples' scores (rule 1)
  std::uint32_t by_category = 0;      // by their category (rule 2)
  std::uint32_t by_room = 0;          // by free leaves alone (rule 3)
  std::uint32_t levels_added = 0;     // the tree's growth
  std::uint64_t rows_scored = 0;
};

// Throws Error when the dataset does not extend the tree's items (another id at a position, or
// fewer items) or when the model does not fit the tree. `options` gives max_samples_per_item and
// seed (how A_c is sampled, as in tree learning); the other members are unused.
AddItemsResult add_items(const Dataset& dataset, const Tree& tree, const PreferenceModel& model,
                         const HierarchicalPreference& features, const TreeLearnOptions& options);

// The model on the extended tree `to` (add_items of the model's tree `from`): node rows follow
// codes, old items' leaf rows follow their items, and every node new in `to` starts from its
// parent's row (node_row_sources with parents); under jtm-h the behaviour table alike, under tdm
// and jtm-hi the old items keep their behaviour rows and new items get fresh rows (seeded).
std::unique_ptr<PreferenceModel> extend_model(const PreferenceModel& model, const Tree& from, const Tree& to,
                                              std::uint64_t seed);

}  // namespace treerec
