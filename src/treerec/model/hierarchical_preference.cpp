#include "treerec/model/hierarchical_preference.h"

#include <algorithm>
#include <numeric>

#include "treerec/data/dataset.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {

static_assert(kMaxHistory == kMaxBehaviors, "the dataset's history and the model's windows disagree");

const char* representation_name(Representation r) {
  switch (r) {
    case Representation::tdm: return "tdm";
    case Representation::jtm_hi: return "jtm-hi";
    case Representation::jtm_h: return "jtm-h";
  }
  return "?";
}

Representation parse_representation(const std::string& name) {
  std::string n = name;
  std::replace(n.begin(), n.end(), '_', '-');
  for (Representation r : {Representation::tdm, Representation::jtm_hi, Representation::jtm_h})
    if (n == representation_name(r)) return r;
  fail("unknown behaviour representation '", name, "': expected tdm, jtm-hi or jtm-h");
}

HierarchicalPreference::HierarchicalPreference(Representation representation, const Tree& tree)
    : representation_(representation), max_level_(tree.max_level()), num_items_(tree.num_items()) {
  const std::uint64_t levels = std::uint64_t{max_level_} + 1;
  switch (representation_) {
    case Representation::tdm: num_rows_ = num_items_; break;
    case Representation::jtm_hi: num_rows_ = levels * num_items_; break;
    case Representation::jtm_h: num_rows_ = tree.num_nodes(); break;
  }
  TR_CHECK(num_rows_ < 0xFFFFFFFFull, representation_name(representation_), " needs ", num_rows_,
           " behaviour rows; at most 2^32 - 2 are supported");
  if (representation_ != Representation::jtm_h) return;

  // Items in leaf-code order: their ancestors at any level are then non-decreasing, so each
  // level is a merge-like sweep over that level's non-empty nodes. Threads take contiguous runs
  // of that order and write all levels of their own items (no shared cache lines to fight over).
  std::vector<std::uint32_t> order(num_items_);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return tree.leaf(a) < tree.leaf(b); });
  std::vector<std::span<const Code>> nodes(levels);
  std::vector<std::int64_t> base(levels, 0);
  for (std::uint32_t l = 0; l < levels; ++l) {
    nodes[l] = tree.level_nodes(l);
    TR_CHECK(!nodes[l].empty() || num_items_ == 0, "tree level ", l, " has no node");
    if (!nodes[l].empty()) base[l] = tree.node_index(nodes[l][0]);
  }
  ancestors_.assign(levels * num_items_, 0);
  parallel_blocks(order.size(), 0, [&](int, std::size_t begin, std::size_t end) {
    if (begin == end) return;
    std::vector<std::size_t> k(levels);
    for (std::uint32_t l = 0; l < levels; ++l) {
      const Code first = ancestor_code(tree.leaf(order[begin]), l);
      k[l] = static_cast<std::size_t>(std::lower_bound(nodes[l].begin(), nodes[l].end(), first) - nodes[l].begin());
    }
    for (std::size_t i = begin; i < end; ++i) {
      const std::uint32_t item = order[i];
      for (std::uint32_t l = 0; l < levels; ++l) {
        const Code a = ancestor_code(tree.leaf(item), l);
        while (k[l] < nodes[l].size() && nodes[l][k[l]] < a) ++k[l];
        TR_CHECK(k[l] < nodes[l].size() && nodes[l][k[l]] == a, "tree lists no node ", a, " above item ", item);
        ancestors_[std::size_t{item} * levels + l] = static_cast<std::uint32_t>(base[l] + static_cast<std::int64_t>(k[l]));
      }
    }
  });
}

void HierarchicalPreference::check(std::span<const std::uint32_t> history, std::uint32_t level) const {
  TR_CHECK(level <= max_level_, "level ", level, " is below the tree's leaves (l_max ", max_level_, ")");
  for (std::uint32_t item : history)
    TR_CHECK(item < num_items_, "behaviour item ", item, " is not in the tree (", num_items_, " items)");
}

void HierarchicalPreference::map(std::span<const std::uint32_t> history, std::uint32_t level,
                           std::vector<std::uint32_t>& out) const {
  if (history.size() > kMaxBehaviors) history = history.last(kMaxBehaviors);
  check(history, level);
  for (std::size_t i = history.size(); i-- > 0;) out.push_back(row(history[i], level));
}

void HierarchicalPreference::add_group(std::span<const std::uint32_t> history, std::uint32_t level,
                                 ModelBatch& batch) const {
  map(history, level, batch.features);
  batch.feature_offsets.push_back(batch.features.size());
  batch.row_offsets.push_back(batch.nodes.size());
}

std::vector<std::int64_t> node_row_sources(const Tree& from, const Tree& to, bool from_parent) {
  const bool same = from.num_items() == to.num_items() && from.max_level() == to.max_level();
  TR_CHECK(same || (from_parent && from.num_items() <= to.num_items() && from.max_level() <= to.max_level()),
           "warm start: the trees hold ", from.num_items(), " and ", to.num_items(), " items, ", from.max_level(),
           " and ", to.max_level(), " levels");
  std::vector<std::int64_t> source(to.num_nodes());
  const std::uint64_t leaves = to.level_offset(to.max_level());
  const auto own = [&](std::size_t i) -> std::int64_t {
    const Code code = to.node_code(i);
    if (i < leaves)  // an internal node: its code's row (a leaf's in `from` when `to` is deeper)
      return code_level(code) <= from.max_level() ? from.node_index(code) : -1;
    const auto item = static_cast<std::uint32_t>(to.item_at(code));  // a leaf: its item's row
    return item < from.num_items() ? from.node_index(from.leaf(item)) : -1;
  };
  if (!from_parent) {
    parallel_for(source.size(), 0, 4096, [&](std::size_t i) { source[i] = own(i); });
    return source;
  }
  for (std::size_t i = 0; i < source.size(); ++i) {  // level by level: a parent comes first
    source[i] = own(i);
    if (source[i] < 0 && i > 0) source[i] = source[static_cast<std::size_t>(to.node_index(parent_code(to.node_code(i))))];
  }
  return source;
}

}  // namespace treerec
