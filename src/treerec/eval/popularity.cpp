#include "treerec/eval/popularity.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "treerec/util/error.h"

namespace treerec {

std::vector<std::uint32_t> most_popular_items(const Dataset& dataset, std::uint32_t top) {
  TR_CHECK(top >= 1, "number of items to retrieve M must be at least 1, got ", top);
  std::vector<std::uint64_t> count(dataset.num_items(), 0);
  for (std::uint32_t u : dataset.users(Split::train))
    for (std::uint32_t item : dataset.sequence(u)) ++count[item];
  std::vector<std::uint32_t> items(dataset.num_items());
  std::iota(items.begin(), items.end(), 0u);
  const auto before = [&count](std::uint32_t a, std::uint32_t b) {
    return count[a] > count[b] || (count[a] == count[b] && a < b);
  };
  const auto keep = std::min<std::size_t>(top, items.size());
  std::partial_sort(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(keep), items.end(), before);
  items.resize(keep);
  return items;
}

EvaluateResult evaluate_popularity(const Dataset& dataset, const EvaluateOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto users = evaluation_users(dataset, options.split, options.max_users);
  const std::vector<std::uint32_t> popular = most_popular_items(dataset, options.top);
  MetricsAccumulator acc(metric_cutoffs(options.top));
  for (std::uint32_t u : users) acc.add(popular, dataset.eval_truth(u));
  EvaluateResult r;
  r.metrics = acc.result();
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace treerec
