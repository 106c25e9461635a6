// A business rule inside retrieval (issue 16): which items a call may return. Items pass when
// their category is in `categories` (if that list is not empty), is not in `exclude_categories`,
// and the item is not in `exclude_items`. Beam search skips nodes without a passing item below
// them, and keeps enough nodes at every level to hold M passing items (beam_search.h); brute
// force skips failing items.
//
// A CategorySummary is built once per tree (O(items x levels)): for every non-empty node, how
// many of its items each category holds. A filter is then cheap to make (O(categories +
// excluded items x levels)), so the server builds one per request, and it counts a node's
// passing items on demand from the node's summary (ALGORITHMS §6, "Filters").
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/tree/tree.h"

namespace treerec {

struct FilterSpec {
  std::vector<std::uint32_t> categories;          // dense category ids allowed (empty: all)
  std::vector<std::uint32_t> exclude_categories;  // dense category ids refused
  std::vector<std::uint32_t> exclude_items;       // dense item ids refused
  bool empty() const { return categories.empty() && exclude_categories.empty() && exclude_items.empty(); }
  bool operator==(const FilterSpec&) const = default;
};

// A rule given with raw ids, as the dataset's log wrote them (the CLI's flags, Python's keyword
// arguments, a server request). `names` label the three lists in errors.
struct RawFilter {
  std::vector<std::string> categories, exclude_categories, exclude_items;
  bool empty() const { return categories.empty() && exclude_categories.empty() && exclude_items.empty(); }
};
struct FilterNames {
  std::string categories = "categories", exclude_categories = "exclude_categories", exclude_items = "exclude_items";
};
// The dense ids of `raw` in `dataset`; an id the dataset does not know fails naming its list.
FilterSpec filter_spec(const Dataset& dataset, const RawFilter& raw, const FilterNames& names = {});

// How many items of each category lie below every non-empty node of a tree.
class CategorySummary {
 public:
  struct Count {
    std::uint32_t category;
    std::uint32_t items;
  };
  // `item_category[i]` is item i's dense category, below `num_categories`; the tree must hold the
  // same items. Throws Error otherwise. Keeps a reference to `tree`.
  CategorySummary(const Tree& tree, std::span<const std::uint32_t> item_category, std::uint32_t num_categories);
  // Every item in one category: a tree without categories still filters by item.
  explicit CategorySummary(const Tree& tree);

  const Tree& tree() const { return tree_; }
  std::uint32_t num_categories() const { return num_categories_; }
  std::uint32_t category(std::uint32_t item) const { return item_category_[item]; }
  // The categories below the node of dense index `node`, increasing, with their item counts.
  std::span<const Count> below(std::uint64_t node) const {
    return std::span<const Count>(counts_).subspan(offset_[node], offset_[node + 1] - offset_[node]);
  }
  // Items below the node of dense index `node`.
  std::uint64_t items_below(std::uint64_t node) const { return items_[node]; }

 private:
  const Tree& tree_;
  std::uint32_t num_categories_ = 0;
  std::vector<std::uint32_t> item_category_;
  std::vector<std::uint64_t> offset_;  // per dense node index, into counts_
  std::vector<Count> counts_;
  std::vector<std::uint64_t> items_;   // per dense node index
};

class ItemFilter {
 public:
  // Throws Error on an id out of range.
  ItemFilter(std::shared_ptr<const CategorySummary> summary, const FilterSpec& spec);

  bool passes(std::uint32_t item) const;
  // Passing items in the subtree of a non-empty node: O(min(categories below it, the rule's
  // categories x log)), O(1) without a category rule; then O(log) for excluded items.
  std::uint64_t passing_below(Code node) const;
  std::uint64_t passing() const { return passing_below(0); }

 private:
  std::shared_ptr<const CategorySummary> summary_;
  bool category_rule_ = false;
  std::vector<std::uint8_t> allowed_;  // per category
  // The rule's listed categories, increasing: the allowed ones (listed_allowed_), or without a
  // `categories` list, the refused ones.
  std::vector<std::uint32_t> listed_;
  bool listed_allowed_ = false;
  std::vector<std::uint32_t> excluded_;  // refused items that the category rule lets pass, sorted
  // (dense node index, refused items below), sorted by node: the ancestors of excluded_.
  std::vector<std::pair<std::uint64_t, std::uint32_t>> excluded_below_;
};

}  // namespace treerec
