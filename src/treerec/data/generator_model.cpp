#include "treerec/data/generator_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {

HiddenShape hidden_shape(std::uint64_t items) {
  HiddenShape s;
  // The deepest balanced binary tree whose leaf groups still hold at least 32 items.
  while ((items >> (s.hidden_levels + 1)) >= 32) ++s.hidden_levels;
  s.leaf_groups = std::uint64_t{1} << s.hidden_levels;
  // Interests sit three levels above the leaf groups: up to 8 groups, about 256-512 items.
  s.interest_level = s.hidden_levels >= 3 ? s.hidden_levels - 3 : 0;
  s.interest_nodes = std::uint64_t{1} << s.interest_level;
  return s;
}

namespace generator_detail {
namespace {

// Zipf exponents: interest-node popularity and item popularity within a leaf group.
constexpr double kNodeZipf = 1.0;
constexpr double kRankZipf = 1.0;

std::vector<double> zipf_weights(std::uint64_t n, double exponent) {
  std::vector<double> w(n);
  for (std::uint64_t r = 0; r < n; ++r) w[r] = std::pow(static_cast<double>(r + 1), -exponent);
  return w;
}

}  // namespace

AliasTable::AliasTable(const std::vector<double>& weights) {
  const std::size_t n = weights.size();
  TR_CHECK(n > 0 && n <= UINT32_MAX, "alias table of ", n, " weights");
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  TR_CHECK(total > 0, "alias table weights sum to ", total);
  prob_.assign(n, 1.0);
  alias_.resize(n);
  std::iota(alias_.begin(), alias_.end(), 0u);
  std::vector<double> scaled(n);
  std::vector<std::uint32_t> small, large;
  for (std::size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] * static_cast<double>(n) / total;
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const std::uint32_t s = small.back(), l = large.back();
    small.pop_back();
    prob_[s] = scaled[s];
    alias_[s] = l;
    scaled[l] -= 1.0 - scaled[s];
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Whatever remains is 1 up to rounding: it keeps prob 1 (never uses its alias).
}

HiddenModel::HiddenModel(const GeneratorOptions& options, int threads)
    : items_(options.items), categories_(options.categories), shape_(hidden_shape(options.items)) {
  span_ = shape_.hidden_levels - shape_.interest_level;

  // The hidden order: position -> item id, a seeded permutation.
  std::vector<std::uint32_t> order(items_);
  std::iota(order.begin(), order.end(), 0u);
  Rng item_rng(mix_seed(options.seed, kStreamItemOrder));
  shuffle(order.begin(), order.end(), item_rng);

  category_order_.resize(categories_);
  std::iota(category_order_.begin(), category_order_.end(), 0u);
  Rng category_rng(mix_seed(options.seed, kStreamCategoryOrder));
  shuffle(category_order_.begin(), category_order_.end(), category_rng);

  // Each item keeps its home category with probability `agreement`, else takes one of the
  // other categories uniformly, so the flag is the expected fraction that agrees.
  slots_.resize(items_);
  const double agreement = options.category_agreement;
  parallel_for(items_, threads, 1 << 14, [&](std::size_t pos) {
    const std::uint32_t home = home_category(pos);
    std::uint32_t category = home;
    if (categories_ > 1) {
      Rng rng(mix_seed(options.seed, kStreamItemCategory, pos));
      if (!(rng.uniform01() < agreement)) {
        auto other = static_cast<std::uint32_t>(rng.uniform(categories_ - 1));
        category = other >= home ? other + 1 : other;
      }
    }
    slots_[pos] = Slot{order[pos], category};
  });

  // Interest nodes get Zipf popularity in a seeded random rank order.
  std::vector<std::uint64_t> rank(shape_.interest_nodes);
  std::iota(rank.begin(), rank.end(), std::uint64_t{0});
  Rng node_rng(mix_seed(options.seed, kStreamNodeRanks));
  shuffle(rank.begin(), rank.end(), node_rng);
  std::vector<double> node_weight(shape_.interest_nodes);
  for (std::uint64_t node = 0; node < shape_.interest_nodes; ++node)
    node_weight[node] = std::pow(static_cast<double>(rank[node] + 1), -kNodeZipf);
  node_popularity_ = AliasTable(node_weight);

  // Within a group, the item at offset r has Zipf rank r; offsets are already random ids.
  small_group_ = items_ / shape_.leaf_groups;
  rank_small_ = AliasTable(zipf_weights(small_group_, kRankZipf));
  rank_large_ = AliasTable(zipf_weights(small_group_ + 1, kRankZipf));
}

std::uint32_t HiddenModel::home_category(std::uint64_t position) const {
  // Categories cut the hidden order into equal runs, so each is a union of whole or
  // partial neighbouring groups: aligned with the hierarchy at every scale.
  return category_order_[position * categories_ / items_];
}

std::uint64_t HiddenModel::nearby_node(std::uint64_t node, Rng& rng) const {
  // Interest nodes are leaves of a balanced binary tree: xor 1 is the sibling, xor 2 and 3
  // the cousins under the grandparent.
  const std::uint64_t n = shape_.interest_nodes;
  if (n < 2) return node;
  return node ^ (1 + rng.uniform(std::min<std::uint64_t>(n, 4) - 1));
}

std::uint64_t HiddenModel::sample_in_node(std::uint64_t node, Rng& rng) const {
  const std::uint64_t group = (node << span_) | rng.uniform(std::uint64_t{1} << span_);
  const std::uint64_t begin = group_begin(group);
  const std::uint64_t size = group_begin(group + 1) - begin;
  return begin + (size == small_group_ ? rank_small_ : rank_large_).sample(rng);
}

UserCounts::UserCounts(const GeneratorOptions& options, int threads) {
  const std::uint64_t users = options.users, records = options.records;
  const std::uint64_t floor_count = std::clamp<std::uint64_t>(records / (2 * users), 1, 10);
  const std::uint64_t extra = records - floor_count * users;
  // weights[u] becomes the prefix sum of the weights of users before u.
  std::vector<double> weights(users + 1, 0.0);
  parallel_for(users, threads, 1 << 14, [&](std::size_t u) {
    Rng rng(mix_seed(options.seed, kStreamUserCounts, u));
    weights[u + 1] = std::exp(rng.normal());  // log-normal, sigma 1: heavy but bounded tail
  });
  for (std::uint64_t u = 0; u < users; ++u) weights[u + 1] += weights[u];
  const double total = weights[users];
  offsets_.resize(users + 1);
  for (std::uint64_t u = 0; u < users; ++u) {
    // Monotone in u (rounding is monotone), so every count is >= floor_count.
    const auto share =
        static_cast<std::uint64_t>(std::floor(static_cast<double>(extra) * (weights[u] / total)));
    offsets_[u] = floor_count * u + std::min(share, extra);
  }
  offsets_[users] = records;
}

}  // namespace generator_detail
}  // namespace treerec
