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
  const RankedLists lists = lists_of_ranker(dataset, users, options.top, options.exclude_seen, [&](std::uint32_t depth) {
    const std::vector<std::uint32_t> popular = most_popular_items(dataset, depth);
    RankedLists same;  // the same list for every user
    for (std::size_t q = 0; q < users.size(); ++q) {
      same.items.insert(same.items.end(), popular.begin(), popular.end());
      same.offsets.push_back(same.items.size());
    }
    same.scores.assign(same.items.size(), 0.f);
    same.scored.assign(users.size(), 0);
    return same;
  });
  EvaluateResult r = measure_result(dataset, users, lists, options.top);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace treerec
