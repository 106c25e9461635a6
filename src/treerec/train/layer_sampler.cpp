#include "treerec/train/layer_sampler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>

#include "treerec/util/error.h"

namespace treerec {

std::vector<std::uint32_t> default_layer_negatives(const Tree& tree, std::uint32_t total) {
  const std::uint32_t L = tree.max_level();
  std::vector<std::uint64_t> cap(L + 1, 0), k(L + 1, 0);
  std::vector<std::uint32_t> active;
  for (std::uint32_t l = 1; l <= L; ++l) {
    cap[l] = tree.level_nodes(l).size() - 1;
    if (cap[l] > 0) active.push_back(l);
  }
  std::uint64_t left = total;
  while (!active.empty() && left > 0) {
    const double weight = std::accumulate(active.begin(), active.end(), 0.0);
    std::vector<std::uint32_t> capped;
    for (auto l : active)
      if (static_cast<double>(left) * l / weight >= static_cast<double>(cap[l])) capped.push_back(l);
    if (!capped.empty()) {
      for (auto l : capped) {
        k[l] = cap[l];
        left -= cap[l];
      }
      std::erase_if(active, [&](std::uint32_t l) { return k[l] == cap[l]; });
      continue;
    }
    std::vector<std::pair<double, std::uint32_t>> remainder;
    std::uint64_t given = 0;
    for (auto l : active) {
      const double share = static_cast<double>(left) * l / weight;
      k[l] = static_cast<std::uint64_t>(share);
      given += k[l];
      remainder.emplace_back(share - static_cast<double>(k[l]), l);
    }
    // Largest remainder first; ties to the deeper level.
    std::sort(remainder.begin(), remainder.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second > b.second;
    });
    for (std::uint64_t i = 0; i < left - given; ++i) ++k[remainder[i].second];
    break;
  }
  std::vector<std::uint32_t> counts(L);
  for (std::uint32_t l = 1; l <= L; ++l) counts[l - 1] = static_cast<std::uint32_t>(k[l]);
  return counts;
}

LayerSampler::LayerSampler(const Tree& tree, std::vector<std::uint32_t> counts)
    : tree_(&tree), counts_(std::move(counts)) {
  const std::uint32_t L = tree.max_level();
  TR_CHECK(counts_.size() == L, "expected ", L, " per-level negative counts, got ", counts_.size());
  level_offset_.assign(L + 1, 0);
  level_size_.assign(L + 1, 0);
  rows_per_sample_ = L;
  for (std::uint32_t l = 1; l <= L; ++l) {
    const auto nodes = tree.level_nodes(l);
    level_size_[l] = nodes.size();
    level_offset_[l] = static_cast<std::uint64_t>(tree.node_index(nodes.front()));
    if (counts_[l - 1] > nodes.size() - 1)
      fail("level ", l, " has ", nodes.size(), " non-empty nodes: cannot draw ", counts_[l - 1],
           " distinct negatives besides the positive");
    rows_per_sample_ += counts_[l - 1];
  }
}

void LayerSampler::sample(Code leaf, Rng& rng, std::vector<std::uint32_t>& nodes) const {
  const std::uint32_t L = max_level();
  for (std::uint32_t l = 1; l <= L; ++l) {
    const auto positive = static_cast<std::uint64_t>(tree_->node_index(ancestor_code(leaf, l)));
    const std::uint64_t offset = level_offset_[l];
    const std::uint64_t others = level_size_[l] - 1;  // positions [0, others) skip the positive
    const std::uint64_t skip = positive - offset;
    const std::uint32_t k = counts_[l - 1];
    nodes.push_back(static_cast<std::uint32_t>(positive));
    const std::size_t first = nodes.size();
    auto to_node = [&](std::uint64_t v) {
      return static_cast<std::uint32_t>(offset + v + (v >= skip ? 1 : 0));
    };
    if (k == others) {
      for (std::uint64_t v = 0; v < others; ++v) nodes.push_back(to_node(v));
      continue;
    }
    // Floyd's algorithm: k distinct values of [0, others) with exactly k draws.
    for (std::uint64_t j = others - k; j < others; ++j) {
      const std::uint64_t v = rng.uniform(j + 1);
      const std::uint32_t node = to_node(v);
      const bool seen = std::find(nodes.begin() + static_cast<std::ptrdiff_t>(first), nodes.end(), node) !=
                        nodes.end();
      nodes.push_back(seen ? to_node(j) : node);
    }
  }
}

std::uint32_t sample_siblings(const Tree& tree, Code leaf, std::vector<std::uint32_t>& nodes) {
  std::uint32_t pairs = 0;
  for (std::uint32_t l = 1; l <= tree.max_level(); ++l) {
    const Code positive = ancestor_code(leaf, l);
    const std::int64_t sibling = tree.node_index(sibling_code(positive));
    if (sibling < 0) continue;
    nodes.push_back(static_cast<std::uint32_t>(tree.node_index(positive)));
    nodes.push_back(static_cast<std::uint32_t>(sibling));
    ++pairs;
  }
  return pairs;
}

}  // namespace treerec
