// The result of retrieval (ALGORITHMS §6): for each query, up to M items with their scores, best
// first, plus how many (query, node or item) scores were computed for it, so the cost of beam
// search can be compared with brute force (2k·l_max against |C|).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace treerec {

// Items never to be returned for a query (e.g. those a user already has, when serving), given
// by query index. Called concurrently from worker threads; the span may be in any order and
// hold duplicates; every id must be < the number of items; it must stay valid until the
// search of that query has finished.
using ExcludeFn = std::function<std::span<const std::uint32_t>(std::uint32_t query)>;

// Ranking order of every list: a higher score first; equal scores by the smaller key (the node
// code in beam search, the item id in brute force), so results never depend on scheduling.
template <typename Score>
inline bool ranks_before(Score a, std::uint64_t a_key, Score b, std::uint64_t b_key) {
  return a > b || (a == b && a_key < b_key);
}

struct RankedLists {
  std::vector<std::uint64_t> offsets{0};  // size() + 1: query q owns [offsets[q], offsets[q+1])
  std::vector<std::uint32_t> items;       // item ids, best first within a query
  std::vector<float> scores;              // parallel to items
  std::vector<std::uint64_t> scored;      // per query: scores computed by the model

  std::size_t size() const { return offsets.size() - 1; }
  std::span<const std::uint32_t> items_of(std::size_t q) const {
    return std::span<const std::uint32_t>(items).subspan(offsets[q], offsets[q + 1] - offsets[q]);
  }
  std::span<const float> scores_of(std::size_t q) const {
    return std::span<const float>(scores).subspan(offsets[q], offsets[q + 1] - offsets[q]);
  }
};

// `lists` without each query's excluded items, cut to `top` per query (for rankers that take no
// exclusions: retrieve top + the longest exclusion, then this).
RankedLists without_excluded(const RankedLists& lists, const ExcludeFn& exclude, std::uint32_t top);

// Under mpirun: every rank's lists (a contiguous block of the queries each), concatenated in
// rank order on every rank. `mine` itself with one rank.
RankedLists gather_lists(RankedLists mine);

// Collects up to `top` results per query from concurrent workers (each query written once, by
// one thread) into fixed-size slots, then packs them into RankedLists.
class RankedListsBuilder {
 public:
  RankedListsBuilder(std::size_t queries, std::uint32_t top);
  // Query q's results; at most `top`; may be called concurrently for different q.
  void set(std::size_t q, std::span<const std::uint32_t> items, std::span<const float> scores,
           std::uint64_t scored);
  RankedLists finish() &&;

 private:
  std::uint32_t top_;
  std::vector<std::uint32_t> count_;
  std::vector<std::uint32_t> items_;
  std::vector<float> scores_;
  std::vector<std::uint64_t> scored_;
};

}  // namespace treerec
