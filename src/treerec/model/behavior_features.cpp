#include "treerec/model/behavior_features.h"

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

BehaviorFeatures::BehaviorFeatures(Representation representation, const Tree& tree)
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
  // level is one merge-like sweep over that level's non-empty nodes.
  std::vector<std::uint32_t> order(num_items_);
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(),
            [&](std::uint32_t a, std::uint32_t b) { return tree.leaf(a) < tree.leaf(b); });
  ancestors_.assign(levels * num_items_, 0);
  parallel_for(levels, 0, 1, [&](std::size_t level) {
    const auto l = static_cast<std::uint32_t>(level);
    const auto nodes = tree.level_nodes(l);
    TR_CHECK(!nodes.empty() || num_items_ == 0, "tree level ", l, " has no node");
    const std::int64_t base = nodes.empty() ? 0 : tree.node_index(nodes[0]);
    std::size_t k = 0;
    for (std::uint32_t item : order) {
      const Code a = ancestor_code(tree.leaf(item), l);
      while (k < nodes.size() && nodes[k] < a) ++k;
      TR_CHECK(k < nodes.size() && nodes[k] == a, "tree lists no node ", a, " above item ", item);
      ancestors_[std::size_t{item} * levels + l] = static_cast<std::uint32_t>(base + static_cast<std::int64_t>(k));
    }
  });
}

void BehaviorFeatures::check(std::span<const std::uint32_t> history, std::uint32_t level) const {
  TR_CHECK(level <= max_level_, "level ", level, " is below the tree's leaves (l_max ", max_level_, ")");
  for (std::uint32_t item : history)
    TR_CHECK(item < num_items_, "behaviour item ", item, " is not in the tree (", num_items_, " items)");
}

void BehaviorFeatures::map(std::span<const std::uint32_t> history, std::uint32_t level,
                           std::vector<std::uint32_t>& out) const {
  if (history.size() > kMaxBehaviors) history = history.last(kMaxBehaviors);
  check(history, level);
  for (std::size_t i = history.size(); i-- > 0;) out.push_back(row(history[i], level));
}

void BehaviorFeatures::add_group(std::span<const std::uint32_t> history, std::uint32_t level,
                                 ModelBatch& batch) const {
  map(history, level, batch.features);
  batch.feature_offsets.push_back(batch.features.size());
  batch.row_offsets.push_back(batch.nodes.size());
}

std::vector<std::int64_t> node_row_sources(const Tree& from, const Tree& to) {
  std::vector<std::int64_t> source(to.num_nodes());
  parallel_for(source.size(), 0, 4096, [&](std::size_t i) { source[i] = from.node_index(to.node_code(i)); });
  return source;
}

}  // namespace treerec
