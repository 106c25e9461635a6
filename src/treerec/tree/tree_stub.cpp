// STUB (model branch only): the minimal Tree members the model code and its tests need, so that
// this branch builds while tree.cpp is written elsewhere. Drop this file at merge.
#include <algorithm>

#include "treerec/tree/tree.h"
#include "treerec/util/error.h"

namespace treerec {

std::uint32_t max_level_for(std::uint64_t items) {
  std::uint32_t l = 1;
  while ((std::uint64_t{1} << l) < items) ++l;
  return l;
}

Tree::Tree(std::vector<Code> item_leaf, std::uint32_t max_level, StringTable item_ids)
    : max_level_(max_level), item_leaf_(std::move(item_leaf)), item_ids_(std::move(item_ids)) {
  for (Code c : item_leaf_) TR_CHECK(code_level(c) == max_level_, "leaf ", c, " not at level ", max_level_);
  index_nodes();
}

void Tree::index_nodes() {
  std::vector<Code> codes;
  for (Code leaf : item_leaf_)
    for (std::uint32_t l = 0; l <= max_level_; ++l) codes.push_back(ancestor_code(leaf, l));
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  nodes_ = codes;  // increasing codes are level by level
  level_start_.assign(max_level_ + 2, nodes_.size());
  for (std::size_t i = nodes_.size(); i-- > 0;) level_start_[code_level(nodes_[i])] = i;
  for (std::uint32_t l = max_level_ + 1; l-- > 0;)
    level_start_[l] = std::min(level_start_[l], level_start_[l + 1]);
}

std::span<const Code> Tree::level_nodes(std::uint32_t level) const {
  return std::span<const Code>(nodes_).subspan(level_start_[level],
                                               level_start_[level + 1] - level_start_[level]);
}

std::int64_t Tree::node_index(Code c) const {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), c);
  if (it == nodes_.end() || *it != c) return -1;
  return it - nodes_.begin();
}

}  // namespace treerec
