// The tree index (SPEC §1): a binary tree whose leaves at level l_max hold the items.
// Codes: root 0, children of c are 2c+1 and 2c+2, level(c) = floor(log2(c + 1)).
// The assignment π maps each item to a distinct leaf code. Only non-empty nodes (those whose
// subtree holds an item) are ever sampled, scored or searched; they are numbered densely,
// level by level in increasing code order, for embedding tables (node_index).
//
// Files: magic "TRECTREE", format version 1: codes, assignment and the items' raw ids, so a
// tree file alone can answer in raw ids.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "treerec/io/string_table.h"

namespace treerec {

using Code = std::uint64_t;

inline std::uint32_t code_level(Code c) {
  return static_cast<std::uint32_t>(63 - __builtin_clzll(c + 1));
}
inline Code parent_code(Code c) { return (c - 1) / 2; }
inline Code first_child(Code c) { return 2 * c + 1; }
// b_j(n): the ancestor of `c` at level j <= level(c).
inline Code ancestor_code(Code c, std::uint32_t level) {
  return ((c + 1) >> (code_level(c) - level)) - 1;
}
// l_max = ceil(log2 |C|) (at least 1).
std::uint32_t max_level_for(std::uint64_t items);

class Tree {
 public:
  Tree() = default;
  // Validates: every leaf at level `max_level`, no two items on one leaf.
  Tree(std::vector<Code> item_leaf, std::uint32_t max_level, StringTable item_ids);

  static Tree load(const std::string& path);
  void save(const std::string& path) const;

  std::uint32_t max_level() const { return max_level_; }
  std::uint32_t num_items() const { return static_cast<std::uint32_t>(item_leaf_.size()); }
  Code leaf(std::uint32_t item) const { return item_leaf_[item]; }
  std::span<const Code> leaves() const { return item_leaf_; }
  std::string_view item_id(std::uint32_t item) const { return item_ids_[item]; }
  const StringTable& item_ids() const { return item_ids_; }

  // Non-empty nodes of a level, increasing codes.
  std::span<const Code> level_nodes(std::uint32_t level) const;
  // Dense index of a non-empty node over all levels; -1 if the node is empty.
  std::int64_t node_index(Code c) const;
  std::uint64_t num_nodes() const { return nodes_.size(); }
  Code node_code(std::uint64_t index) const { return nodes_[index]; }
  // The item on leaf `c`, or -1.
  std::int64_t item_at(Code leaf) const;

 private:
  void index_nodes();
  std::uint32_t max_level_ = 0;
  std::vector<Code> item_leaf_;
  StringTable item_ids_;
  std::vector<Code> nodes_;                // all non-empty codes, level by level, increasing
  std::vector<std::uint64_t> level_start_;  // nodes_ offset of each level, size l_max + 2
  std::vector<std::uint32_t> leaf_item_;   // items ordered by leaf code (parallel to leaves)
};

// SPEC §3: sort items by (category, item id), split the list in halves recursively, push a
// single item down along first children to level l_max.
Tree build_category_tree(std::span<const std::uint32_t> item_category, StringTable item_ids);

}  // namespace treerec
