// The tree index (ALGORITHMS §1): a binary tree whose leaves at level l_max hold the items.
// Codes: root 0, children of c are 2c+1 and 2c+2, level(c) = floor(log2(c + 1)).
// The assignment π maps each item to a distinct leaf code. Only non-empty nodes (those whose
// subtree holds an item) are ever sampled, scored or searched; they are numbered densely,
// level by level in increasing code order, for embedding tables (node_index).
//
// Files: magic "TRECTREE", format version 1: codes, assignment and the items' raw ids, so a
// tree file alone can answer in raw ids, and the items' categories when the tree was built
// with a dataset, so a tree file alone can filter by category (docs/FORMATS.md, "Tree file").
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "treerec/io/string_table.h"
#include "treerec/util/huge_pages.h"

namespace treerec {

class BinaryReader;

using Code = std::uint64_t;

inline std::uint32_t code_level(Code c) {
  return static_cast<std::uint32_t>(63 - __builtin_clzll(c + 1));
}
inline Code parent_code(Code c) { return (c - 1) / 2; }
inline Code first_child(Code c) { return 2 * c + 1; }
// The sibling of a non-root code.
inline Code sibling_code(Code c) { return c % 2 == 1 ? c + 1 : c - 1; }
// b_j(n): the ancestor of `c` at level j <= level(c).
inline Code ancestor_code(Code c, std::uint32_t level) {
  return ((c + 1) >> (code_level(c) - level)) - 1;
}
// The first code of a level (2^level - 1); the level's codes are [level_first_code(l),
// level_first_code(l + 1)).
inline Code level_first_code(std::uint32_t level) { return (Code{1} << level) - 1; }
// l_max = ceil(log2 |C|), at least 1: a single item still sits on a leaf below the root, so
// every item has at least one positive (ALGORITHMS §5 excludes the root). Throws on 0 items.
std::uint32_t max_level_for(std::uint64_t items);

// A fingerprint of a corpus: XXH3-64 of the raw item ids in dense-id order (each id prefixed by
// its length). A tree records the fingerprint of the dataset it was built from, so commands
// that combine a tree with a dataset can check that they agree.
std::uint64_t item_ids_fingerprint(const StringTable& item_ids);

class Tree {
 public:
  // The non-empty children of a node (0, 1 or 2 codes, increasing).
  struct Children {
    Code code[2] = {0, 0};
    std::uint32_t count = 0;
    const Code* begin() const { return code; }
    const Code* end() const { return code + count; }
    std::uint32_t size() const { return count; }
  };

  Tree() = default;
  // Validates: at least one item, one raw id per item, max_level == max_level_for(items),
  // every leaf at level max_level, no two items on one leaf; throws Error naming the first
  // offending item otherwise. Copies `item_ids` into owned storage, so the tree never refers
  // to the caller's memory (e.g. a mapped dataset).
  Tree(std::vector<Code> item_leaf, std::uint32_t max_level, const StringTable& item_ids);

  // Maps and validates a tree file; a truncated, corrupted, foreign, newer or inconsistent
  // file throws Error naming the file and the problem.
  static Tree load(const std::string& path);
  // Writes to a temporary name and renames into place.
  void save(const std::string& path) const;

  std::uint32_t max_level() const { return max_level_; }
  std::uint32_t num_items() const { return static_cast<std::uint32_t>(item_leaf_.size()); }
  Code leaf(std::uint32_t item) const { return item_leaf_[item]; }
  std::span<const Code> leaves() const { return item_leaf_; }
  std::string_view item_id(std::uint32_t item) const { return item_ids_[item]; }
  const StringTable& item_ids() const { return item_ids_; }

  // The items' categories (a dataset's dense category ids and their raw ids), which the server
  // filters by (search/item_filter.h). Every tree the CLI writes has them; a tree file of an
  // earlier version may not.
  bool has_categories() const { return categories_ != nullptr; }
  std::span<const std::uint32_t> item_categories() const;  // empty without categories
  const StringTable& category_ids() const;                  // empty without categories
  // Attaches categories: one per item, each below category_ids.size(). Throws Error otherwise.
  void set_categories(std::span<const std::uint32_t> item_category, const StringTable& category_ids);

  // How the assignment was made ("category", "kmeans", "learned", ...); stored in the file.
  const std::string& builder() const { return builder_; }
  void set_builder(std::string builder) { builder_ = std::move(builder); }
  // item_ids_fingerprint(item_ids()), computed once.
  std::uint64_t fingerprint() const { return fingerprint_; }
  // XXH3-64 of leaves(): identifies the assignment π (models and runs record it).
  std::uint64_t assignment_fingerprint() const;
  // Throws Error unless `item_ids` (a dataset's, read from `source`) are this tree's items in
  // the same order: a tree only fits the dataset it was built from.
  void check_items(const StringTable& item_ids, std::string_view source) const;

  // Non-empty nodes of a level, increasing codes. Uniform sampling among a level's non-empty
  // nodes (ALGORITHMS §5) draws k in [0, size) and takes level_nodes(l)[k], whose dense index is
  // level_offset(l) + k.
  std::span<const Code> level_nodes(std::uint32_t level) const;
  // The dense index of level_nodes(level)[0]; level_offset(max_level() + 1) == num_nodes().
  std::uint64_t level_offset(std::uint32_t level) const { return level_start_[level]; }
  // Dense index of a non-empty node over all levels; -1 if the node is empty or beyond the
  // leaves. O(1).
  std::int64_t node_index(Code c) const {
    if (c >= code_index_.size()) return -1;
    const std::uint32_t i = code_index_[c];
    return i == kEmpty ? -1 : static_cast<std::int64_t>(i);
  }
  std::uint64_t num_nodes() const { return nodes_.size(); }
  Code node_code(std::uint64_t index) const { return nodes_[index]; }
  // The item on leaf `c`, or -1 (an empty leaf, or a code not at the leaf level).
  std::int64_t item_at(Code leaf) const;
  // Items in increasing order of their leaf codes.
  std::span<const std::uint32_t> items_by_leaf() const { return leaf_item_; }

  // The non-empty children of `c` (none for a leaf or an empty node): beam search (ALGORITHMS §6).
  Children children(Code c) const {
    Children r;
    if (c >= code_index_.size() || code_level(c) >= max_level_) return r;
    for (Code k = first_child(c); k <= first_child(c) + 1; ++k)
      if (code_index_[k] != kEmpty) r.code[r.count++] = k;
    return r;
  }
  // Asks the cache for what children(c) will read: beam search calls it a few beam entries
  // ahead, since a level's index is megabytes and the beam's codes are scattered.
  void prefetch_children(Code c) const {
    if (c < code_index_.size() && code_level(c) < max_level_) __builtin_prefetch(&code_index_[first_child(c)]);
  }
  // b_j(π(item)) and its dense index: JTM-H maps each behaviour to its level-j ancestor
  // (ALGORITHMS §4). The node is never empty, since it holds the item. O(1).
  Code ancestor(std::uint32_t item, std::uint32_t level) const {
    return ancestor_code(item_leaf_[item], level);
  }
  std::uint32_t ancestor_index(std::uint32_t item, std::uint32_t level) const {
    return code_index_[ancestor(item, level)];
  }
  // The positives of a sample whose target is `item` (ALGORITHMS §5): codes[j - 1] = b_j(π(item))
  // for j = 1..l_max (root excluded, leaf included). `codes` must hold max_level() entries.
  void path(std::uint32_t item, std::span<Code> codes) const;

 private:
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
  void index_nodes();
  std::uint32_t max_level_ = 0;
  std::vector<Code> item_leaf_;
  StringTable item_ids_;
  std::shared_ptr<const BinaryReader> file_;  // keeps a loaded file's item ids mapped
  struct Categories {
    std::vector<std::uint32_t> of_item;
    StringTable ids;
  };
  std::shared_ptr<const Categories> categories_;  // immutable: copies of the tree share it
  std::string builder_;
  std::uint64_t fingerprint_ = 0;
  std::vector<Code> nodes_;                 // all non-empty codes, level by level, increasing
  std::vector<std::uint64_t> level_start_;  // nodes_ offset of each level, size l_max + 2
  std::vector<std::uint32_t> leaf_item_;    // items ordered by leaf code (parallel to leaves)
  // Code -> dense node index (kEmpty if empty) for every code of levels 0..l_max. Since
  // l_max = ceil(log2 |C|), it has fewer than 4 |C| entries (33 MB for 4.16M items).
  HugeVector<std::uint32_t> code_index_;  // random lookups: on huge pages
};

// ALGORITHMS §3: sort items by (category, item id), split the list in halves recursively, push a
// single item down along first children to level l_max. Ids are the dataset's dense ids (its
// numbering of items and categories). The builder is "category".
Tree build_category_tree(std::span<const std::uint32_t> item_category, const StringTable& item_ids);

}  // namespace treerec
