// A business rule inside retrieval (issue 16): which items a call may return, the same for every
// query. Items pass when their category is in `categories` (if that list is not empty), is not in
// `exclude_categories`, and the item is not in `exclude_items`. Beam search skips nodes without a
// passing item below them, and keeps enough nodes at every level to hold M passing items
// (beam_search.h); brute force skips failing items. Built once per filter: O(items x levels).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include <string>

#include "treerec/data/dataset.h"
#include "treerec/tree/tree.h"

namespace treerec {

struct FilterSpec {
  std::vector<std::uint32_t> categories;          // dense category ids allowed (empty: all)
  std::vector<std::uint32_t> exclude_categories;  // dense category ids refused
  std::vector<std::uint32_t> exclude_items;       // dense item ids refused
  bool empty() const { return categories.empty() && exclude_categories.empty() && exclude_items.empty(); }
};

// A rule given with raw ids, as the dataset's log wrote them (the CLI's flags, Python's keyword
// arguments). `names` label the three lists in errors.
struct RawFilter {
  std::vector<std::string> categories, exclude_categories, exclude_items;
  bool empty() const { return categories.empty() && exclude_categories.empty() && exclude_items.empty(); }
};
struct FilterNames {
  std::string categories = "categories", exclude_categories = "exclude_categories", exclude_items = "exclude_items";
};
// The dense ids of `raw` in `dataset`; an id the dataset does not know fails naming its list.
FilterSpec filter_spec(const Dataset& dataset, const RawFilter& raw, const FilterNames& names = {});

class ItemFilter {
 public:
  // `item_category[i]` is item i's dense category (a dataset's item_categories()); the tree must
  // hold the same items. Throws Error on an id out of range.
  ItemFilter(const Tree& tree, std::span<const std::uint32_t> item_category, std::uint32_t num_categories,
             const FilterSpec& spec);

  bool passes(std::uint32_t item) const { return pass_[item] != 0; }
  // Passing items in the subtree of a non-empty node.
  std::uint64_t passing_below(Code node) const { return below_[static_cast<std::size_t>(tree_.node_index(node))]; }
  std::uint64_t passing() const { return below_.empty() ? 0 : below_[0]; }

 private:
  const Tree& tree_;
  std::vector<std::uint8_t> pass_;
  std::vector<std::uint64_t> below_;  // per dense node index
};

}  // namespace treerec
