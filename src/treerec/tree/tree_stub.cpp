// STUB: a minimal stand-in for tree.cpp (written on another branch) so that the search code
// builds and tests here. It implements only what search needs: construction with validation
// of the basics, the per-level non-empty node lists and leaf -> item lookup. Drop this file
// when tree.cpp lands.
#include <algorithm>
#include <numeric>

#include "treerec/tree/tree.h"
#include "treerec/util/error.h"

namespace treerec {

std::uint32_t max_level_for(std::uint64_t items) {
  std::uint32_t level = 1;
  while ((std::uint64_t{1} << level) < items) ++level;
  return level;
}

Tree::Tree(std::vector<Code> item_leaf, std::uint32_t max_level, StringTable item_ids)
    : max_level_(max_level), item_leaf_(std::move(item_leaf)), item_ids_(std::move(item_ids)) {
  TR_CHECK(max_level_ >= 1 && max_level_ < 63, "tree level ", max_level_, " out of range");
  for (Code c : item_leaf_)
    TR_CHECK(code_level(c) == max_level_, "leaf ", c, " is not at level ", max_level_);
  index_nodes();
}

void Tree::index_nodes() {
  std::vector<std::uint32_t> order(item_leaf_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return item_leaf_[a] < item_leaf_[b]; });
  for (std::size_t i = 1; i < order.size(); ++i)
    TR_CHECK(item_leaf_[order[i - 1]] != item_leaf_[order[i]], "two items on leaf ",
             item_leaf_[order[i]]);
  leaf_item_ = order;
  nodes_.clear();
  level_start_.assign(max_level_ + 2, 0);
  for (std::uint32_t level = 0; level <= max_level_; ++level) {
    level_start_[level] = nodes_.size();
    for (std::uint32_t item : order) {
      const Code a = ancestor_code(item_leaf_[item], level);
      if (nodes_.size() == level_start_[level] || nodes_.back() != a) nodes_.push_back(a);
    }
  }
  level_start_[max_level_ + 1] = nodes_.size();
}

std::span<const Code> Tree::level_nodes(std::uint32_t level) const {
  return std::span<const Code>(nodes_).subspan(level_start_[level],
                                               level_start_[level + 1] - level_start_[level]);
}

std::int64_t Tree::node_index(Code c) const {
  const auto level = code_level(c);
  if (level > max_level_) return -1;
  const auto nodes = level_nodes(level);
  const auto it = std::lower_bound(nodes.begin(), nodes.end(), c);
  if (it == nodes.end() || *it != c) return -1;
  return static_cast<std::int64_t>(level_start_[level]) + (it - nodes.begin());
}

std::int64_t Tree::item_at(Code leaf) const {
  if (code_level(leaf) != max_level_) return -1;
  const auto leaves = level_nodes(max_level_);
  const auto it = std::lower_bound(leaves.begin(), leaves.end(), leaf);
  if (it == leaves.end() || *it != leaf) return -1;
  return leaf_item_[static_cast<std::size_t>(it - leaves.begin())];
}

}  // namespace treerec
