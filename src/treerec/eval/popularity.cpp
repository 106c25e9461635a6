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

PopularityShare popularity_share(const Dataset& dataset, const RankedLists& lists, std::uint32_t top) {
  PopularityShare s;
  if (lists.size() == 0 || dataset.num_items() == 0) return s;
  const std::vector<std::uint32_t> popular = most_popular_items(dataset, top);
  std::vector<std::uint8_t> is_popular(dataset.num_items(), 0), seen(dataset.num_items(), 0);
  for (const std::uint32_t i : popular) is_popular[i] = 1;
  std::uint64_t distinct = 0;
  double overlap = 0;
  for (std::size_t q = 0; q < lists.size(); ++q) {
    const auto items = lists.items_of(q);
    std::uint64_t common = 0;
    for (std::size_t k = 0; k < items.size() && k < top; ++k) {
      const std::uint32_t i = items[k];
      TR_CHECK(i < dataset.num_items(), "item ", i, " out of range in list ", q);
      common += is_popular[i];
      if (!seen[i]) {
        seen[i] = 1;
        ++distinct;
      }
    }
    overlap += static_cast<double>(common) / static_cast<double>(popular.size());
  }
  s.popular_overlap = overlap / static_cast<double>(lists.size());
  s.coverage = static_cast<double>(distinct) / static_cast<double>(dataset.num_items());
  return s;
}

std::string popularity_warning(double popular_overlap, double threshold) {
  if (!(popular_overlap > threshold)) return "";
  return cat("warning: the lists share ", static_cast<int>(100 * popular_overlap + 0.5),
             "% of the most-popular list on average: the model may have learned only popularity (usually too few "
             "epochs or a bad learning rate; compare with `treerec evaluate --popular`)");
}

EvaluateResult evaluate_popularity(const Dataset& dataset, const EvaluateOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const auto users = evaluation_users(dataset, options.split, options.max_users);
  std::uint32_t longest_seen = 0;
  if (options.exclude_seen)
    for (std::uint32_t u : users) longest_seen = std::max(longest_seen, static_cast<std::uint32_t>(seen_items(dataset, u).size()));
  const std::vector<std::uint32_t> popular = most_popular_items(dataset, options.top + longest_seen);
  MetricsAccumulator acc(metric_cutoffs(options.top));
  for (std::uint32_t u : users) {
    if (!options.exclude_seen) {
      acc.add(std::span(popular).first(std::min<std::size_t>(popular.size(), options.top)), dataset.eval_truth(u));
      continue;
    }
    const auto seen = seen_items(dataset, u);
    std::vector<std::uint32_t> list;
    for (std::size_t i = 0; i < popular.size() && list.size() < options.top; ++i)
      if (std::find(seen.begin(), seen.end(), popular[i]) == seen.end()) list.push_back(popular[i]);
    acc.add(list, dataset.eval_truth(u));
  }
  EvaluateResult r;
  r.metrics = acc.result();
  r.popular_overlap = 1;  // with exclude_seen, a little less; not measured here
  r.coverage = static_cast<double>(std::min<std::size_t>(popular.size(), options.top)) /
               static_cast<double>(dataset.num_items());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace treerec
