#include "treerec/search/ranked_lists.h"

#include <algorithm>

#include "treerec/util/distributed.h"
#include "treerec/util/error.h"

namespace treerec {

RankedListsBuilder::RankedListsBuilder(std::size_t queries, std::uint32_t top)
    : top_(top),
      count_(queries, 0),
      items_(queries * top),
      scores_(queries * top),
      scored_(queries, 0) {}

void RankedListsBuilder::set(std::size_t q, std::span<const std::uint32_t> items,
                             std::span<const float> scores, std::uint64_t scored) {
  TR_CHECK(q < count_.size() && items.size() <= top_ && items.size() == scores.size(),
           "query ", q, " of ", count_.size(), " given ", items.size(), " items (at most ", top_,
           ") and ", scores.size(), " scores");
  std::copy(items.begin(), items.end(), items_.begin() + static_cast<std::ptrdiff_t>(q * top_));
  std::copy(scores.begin(), scores.end(), scores_.begin() + static_cast<std::ptrdiff_t>(q * top_));
  count_[q] = static_cast<std::uint32_t>(items.size());
  scored_[q] = scored;
}

RankedLists RankedListsBuilder::finish() && {
  RankedLists out;
  const std::size_t n = count_.size();
  std::vector<std::uint64_t> offsets(n + 1, 0);
  for (std::size_t q = 0; q < n; ++q) offsets[q + 1] = offsets[q] + count_[q];
  out.offsets = std::move(offsets);
  out.items.resize(out.offsets[n]);
  out.scores.resize(out.offsets[n]);
  for (std::size_t q = 0; q < n; ++q) {
    const auto from = static_cast<std::ptrdiff_t>(q * top_);
    const auto to = static_cast<std::ptrdiff_t>(out.offsets[q]);
    std::copy_n(items_.begin() + from, count_[q], out.items.begin() + to);
    std::copy_n(scores_.begin() + from, count_[q], out.scores.begin() + to);
  }
  out.scored = std::move(scored_);
  return out;
}

RankedLists without_excluded(const RankedLists& lists, const ExcludeFn& exclude, std::uint32_t top) {
  RankedLists out;
  out.scored = lists.scored;
  std::vector<std::uint32_t> ex;
  for (std::size_t q = 0; q < lists.size(); ++q) {
    const auto given = exclude(static_cast<std::uint32_t>(q));
    ex.assign(given.begin(), given.end());
    std::sort(ex.begin(), ex.end());
    const auto items = lists.items_of(q);
    const auto scores = lists.scores_of(q);
    std::uint32_t kept = 0;
    for (std::size_t i = 0; i < items.size() && kept < top; ++i) {
      if (std::binary_search(ex.begin(), ex.end(), items[i])) continue;
      out.items.push_back(items[i]);
      out.scores.push_back(scores[i]);
      ++kept;
    }
    out.offsets.push_back(out.items.size());
  }
  return out;
}

RankedLists gather_lists(RankedLists mine) {
  if (dist::size() == 1) return mine;
  std::vector<std::uint64_t> counts(mine.size());
  for (std::size_t q = 0; q < mine.size(); ++q) counts[q] = mine.offsets[q + 1] - mine.offsets[q];
  const auto all_counts = dist::allgather<std::uint64_t>(counts);
  RankedLists all;
  all.items = dist::allgather<std::uint32_t>(mine.items);
  all.scores = dist::allgather<float>(mine.scores);
  all.scored = dist::allgather<std::uint64_t>(mine.scored);
  all.offsets.resize(all_counts.size() + 1);
  all.offsets[0] = 0;
  for (std::size_t q = 0; q < all_counts.size(); ++q) all.offsets[q + 1] = all.offsets[q] + all_counts[q];
  TR_CHECK(all.offsets.back() == all.items.size() && all.scores.size() == all.items.size(),
           "the gathered lists do not add up");
  return all;
}

}  // namespace treerec
