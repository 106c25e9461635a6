// The hierarchical user preference representation (ALGORITHMS §4; the JTM paper's section of
// that name): which row of the behaviour embedding table stands for behaviour item c when the
// model scores a node at level l.
//  - tdm:    row c at every level (behaviours are leaf items).
//  - jtm_hi: a separate table per level, stored as one table: row l * |C| + c
//            (levels 0..l_max, so (l_max + 1) * |C| rows; level 0 is never scored in practice).
//  - jtm_h:  the node b_l(π(c)), the ancestor at level l of c's leaf, as its dense node index
//            (Tree::node_index), in a node-id table of Tree::num_nodes() rows.
// For jtm_h the ancestor of every item at every level is computed once per tree, item-major
// (the levels of one item are adjacent: a training sample maps the same history at every level).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "treerec/model/model_batch.h"
#include "treerec/util/huge_pages.h"

namespace treerec {

class Tree;

enum class Representation { tdm, jtm_hi, jtm_h };

// "tdm", "jtm-hi", "jtm-h".
const char* representation_name(Representation r);
// Accepts the names above (also with '_'); throws Error listing them otherwise.
Representation parse_representation(const std::string& name);

class HierarchicalPreference {
 public:
  HierarchicalPreference() = default;
  // Precomputes the mapping for `tree`; rebuild it whenever the tree changes.
  HierarchicalPreference(Representation representation, const Tree& tree);

  Representation representation() const { return representation_; }
  std::uint32_t max_level() const { return max_level_; }
  std::uint32_t num_items() const { return num_items_; }
  // Rows of the behaviour embedding table this representation needs.
  std::uint64_t num_rows() const { return num_rows_; }

  // The behaviour-table row of item c at level l (c < num_items, l <= max_level).
  std::uint32_t row(std::uint32_t item, std::uint32_t level) const {
    switch (representation_) {
      case Representation::tdm: return item;
      case Representation::jtm_hi: return level * num_items_ + item;
      case Representation::jtm_h: break;
    }
    return ancestors_[std::size_t{item} * (max_level_ + 1) + level];
  }

  // Appends to `out` the rows of the most recent (up to 69) items of `history`, which is
  // ordered OLDEST first as the dataset stores it; `out` receives them most recent first.
  void map(std::span<const std::uint32_t> history, std::uint32_t level,
           std::vector<std::uint32_t>& out) const;
  // The same, as a new group of `batch` (then add its rows with batch.add_row()).
  void add_group(std::span<const std::uint32_t> history, std::uint32_t level, ModelBatch& batch) const;

 private:
  void check(std::span<const std::uint32_t> history, std::uint32_t level) const;
  Representation representation_ = Representation::tdm;
  std::uint32_t max_level_ = 0;
  std::uint32_t num_items_ = 0;
  std::uint64_t num_rows_ = 0;
  HugeVector<std::uint32_t> ancestors_;  // (huge pages) jtm_h: [item * (max_level + 1) + level] -> node index
};

// For warm starts on a new tree (ALGORITHMS §7.1, §8): per node row of `to`, the row it starts from in
// `from`. An internal node takes the row of the same code (-1 for a code that was empty in
// `from`); a leaf takes the row of its item's leaf in `from`, so leaf rows follow their items.
// The trees must hold the same items. This carries the node table, and the behaviour table
// under jtm-h (whose leaf-level rows are then item rows); tdm and jtm-hi behaviour rows depend
// on items only.
// With `from_parent` (new items, learn/add_items.h), `to` may hold more items, `from`'s being its
// first ones, and more levels, `from`'s codes keeping theirs; a node without a row in `from`
// (and a new item's leaf) then takes its parent's source instead of -1.
std::vector<std::int64_t> node_row_sources(const Tree& from, const Tree& to, bool from_parent = false);

}  // namespace treerec
