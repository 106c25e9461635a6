#include "treerec/search/brute_force.h"

#include "treerec/search/query_batches.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {
namespace {

struct Candidate {
  float score;
  std::uint32_t item;
};

// Heap order: the worst kept candidate sits at the front, so it is the one to replace.
bool heap_less(const Candidate& a, const Candidate& b) {
  return ranks_before(a.score, a.item, b.score, b.item);
}

// One worker thread's state: its scorer, one bounded heap per query and scratch buffers.
class Worker {
 public:
  Worker(const BruteForceOptions& options, std::uint32_t num_items,
         std::unique_ptr<ItemScorer> scorer)
      : options_(options), num_items_(num_items), scorer_(std::move(scorer)) {}

  // Searches one batch of queries, writing rows row, row + 1, ... of `out`.
  void run(std::size_t row, std::span<const std::uint32_t> queries, const ExcludeFn& exclude,
           RankedListsBuilder& out) {
    const std::size_t q_count = queries.size();
    scorer_->start_batch(queries);
    collect_exclusions(queries, exclude);
    heaps_.resize(q_count);
    for (auto& heap : heaps_) heap.clear();
    cursor_.assign(excl_begin_.begin(), excl_begin_.end() - 1);

    for (std::uint32_t begin = 0; begin < num_items_;) {
      const std::uint32_t end = begin + std::min(options_.chunk, num_items_ - begin);
      const std::size_t width = end - begin;
      scores_.resize(q_count * width);
      scorer_->score(begin, end, scores_);
      for (std::size_t q = 0; q < q_count; ++q)
        offer(q, begin, std::span<const float>(scores_).subspan(q * width, width));
      begin = end;
    }

    for (std::size_t q = 0; q < q_count; ++q) {
      auto& heap = heaps_[q];
      std::sort_heap(heap.begin(), heap.end(), heap_less);  // best first
      items_.clear();
      item_scores_.clear();
      for (const Candidate& c : heap) {
        items_.push_back(c.item);
        item_scores_.push_back(c.score);
      }
      out.set(row + q, items_, item_scores_, num_items_);
    }
  }

 private:
  // Items are offered in increasing id order, so each query's sorted exclusions are merged in
  // with a cursor.
  void offer(std::size_t q, std::uint32_t first_item, std::span<const float> scores) {
    auto& heap = heaps_[q];
    std::size_t& cursor = cursor_[q];
    const std::size_t excl_end = excl_begin_[q + 1];
    for (std::size_t i = 0; i < scores.size(); ++i) {
      const Candidate c{scores[i], first_item + static_cast<std::uint32_t>(i)};
      if (std::isnan(c.score)) fail("item scorer returned NaN for item ", c.item);
      while (cursor < excl_end && excl_[cursor] < c.item) ++cursor;
      if (cursor < excl_end && excl_[cursor] == c.item) continue;
      if (options_.filter && !options_.filter->passes(c.item)) continue;
      if (heap.size() < options_.top) {
        heap.push_back(c);
        std::push_heap(heap.begin(), heap.end(), heap_less);
      } else if (heap_less(c, heap.front())) {
        std::pop_heap(heap.begin(), heap.end(), heap_less);
        heap.back() = c;
        std::push_heap(heap.begin(), heap.end(), heap_less);
      }
    }
  }

  void collect_exclusions(std::span<const std::uint32_t> queries, const ExcludeFn& exclude) {
    excl_begin_.assign(queries.size() + 1, 0);
    excl_.clear();
    if (!exclude) return;
    for (std::size_t q = 0; q < queries.size(); ++q) {
      const std::size_t begin = excl_.size();
      for (std::uint32_t item : exclude(queries[q])) {
        TR_CHECK(item < num_items_, "excluded item ", item, " of query ", queries[q],
                 " is not below the corpus size ", num_items_);
        excl_.push_back(item);
      }
      const auto b = excl_.begin() + static_cast<std::ptrdiff_t>(begin);
      std::sort(b, excl_.end());
      excl_.erase(std::unique(b, excl_.end()), excl_.end());
      excl_begin_[q + 1] = excl_.size();
    }
  }

  const BruteForceOptions& options_;
  const std::uint32_t num_items_;
  std::unique_ptr<ItemScorer> scorer_;
  std::vector<std::size_t> excl_begin_;
  std::vector<std::uint32_t> excl_;
  std::vector<std::size_t> cursor_;
  std::vector<std::vector<Candidate>> heaps_;
  std::vector<float> scores_;
  std::vector<std::uint32_t> items_;
  std::vector<float> item_scores_;
};

}  // namespace

BruteForce::BruteForce(BruteForceOptions options) : options_(options) {
  TR_CHECK(options_.top >= 1, "number of items to return M must be at least 1, got ",
           options_.top);
  TR_CHECK(options_.batch >= 1, "query batch size must be at least 1, got ", options_.batch);
  TR_CHECK(options_.chunk >= 1, "item chunk size must be at least 1, got ", options_.chunk);
  TR_CHECK(static_cast<std::uint64_t>(options_.batch) * options_.chunk <=
               std::numeric_limits<std::uint32_t>::max(),
           "query batch ", options_.batch, " times item chunk ", options_.chunk,
           " must stay below 2^32 scores");
  TR_CHECK(options_.threads >= 0, "thread count must be >= 0 (0 = default), got ",
           options_.threads);
}

RankedLists BruteForce::search(const ItemScorerFactory& factory,
                               std::span<const std::uint32_t> queries,
                               const ExcludeFn& exclude) const {
  const std::uint32_t num_items = factory.num_items();
  return detail::search_in_batches(queries, options_.batch, options_.top, options_.threads, exclude,
                                   [&] { return Worker(options_, num_items, factory.make()); });
}

RankedLists BruteForce::search(const ItemScorerFactory& factory, std::uint32_t num_queries,
                               const ExcludeFn& exclude) const {
  std::vector<std::uint32_t> queries(num_queries);
  std::iota(queries.begin(), queries.end(), 0u);
  return search(factory, queries, exclude);
}

}  // namespace treerec
