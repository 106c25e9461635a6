#include "treerec/search/beam_search.h"

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

// A beam entry: a node and its ranking value (its own score, or its path sum for HSM).
struct Entry {
  Code code;
  double rank;
};

// One worker thread's state: its scorer and scratch buffers, reused from batch to batch.
class Worker {
 public:
  Worker(const Tree& tree, const BeamSearchOptions& options, std::uint32_t start_level,
         std::unique_ptr<NodeScorer> scorer)
      : tree_(tree), options_(options), start_(start_level), scorer_(std::move(scorer)) {}

  // Searches one batch of queries, writing rows row, row + 1, ... of `out`.
  void run(std::size_t row, std::span<const std::uint32_t> queries, const ExcludeFn& exclude,
           RankedListsBuilder& out) {
    const std::size_t q_count = queries.size();
    scorer_->start_batch(queries);
    collect_exclusions(queries, exclude);
    scored_.assign(q_count, 0);

    // ALGORITHMS §6 step 1. With node ranking the beam starts at s, whose nodes need no scores; if s
    // is the leaf level, it starts one level up so that every leaf is scored. HSM starts at the
    // root so that the start level's nodes carry their path sums.
    const std::uint32_t l_max = tree_.max_level();
    const bool path_sum = options_.ranking == BeamRanking::path_sum;
    const std::uint32_t first = path_sum ? 0 : std::min(start_, l_max - 1);
    const auto start_nodes = tree_.level_nodes(first);
    beam_begin_.resize(q_count + 1);
    beam_.clear();
    for (std::size_t q = 0; q < q_count; ++q) {
      beam_begin_[q] = beam_.size();
      for (Code c : start_nodes)
        if (!options_.filter || options_.filter->passing_below(c) > 0) beam_.push_back({c, 0.0});
    }
    beam_begin_[q_count] = beam_.size();

    for (std::uint32_t level = first + 1; level <= l_max; ++level) {
      expand(level, q_count);
      scores_.resize(nodes_.size());
      scorer_->score(level, row_begin_, nodes_, scores_);
      // ALGORITHMS §6 step 2: keep all nodes down to s, then the best k; step 3: the best M leaves.
      const std::size_t keep = level == l_max    ? options_.top
                               : level <= start_ ? std::numeric_limits<std::size_t>::max()
                                                 : options_.beam;
      select(level, q_count, keep, path_sum, level == l_max);
    }

    for (std::size_t q = 0; q < q_count; ++q) {
      items_.clear();
      item_scores_.clear();
      for (std::size_t i = beam_begin_[q]; i < beam_begin_[q + 1]; ++i) {
        const std::int64_t item = tree_.item_at(beam_[i].code);
        TR_CHECK(item >= 0, "leaf ", beam_[i].code, " reached by beam search holds no item");
        items_.push_back(static_cast<std::uint32_t>(item));
        item_scores_.push_back(static_cast<float>(beam_[i].rank));
      }
      out.set(row + q, items_, item_scores_, scored_[q]);
    }
  }

 private:
  // Per query: the leaf codes of its excluded items, sorted and distinct.
  void collect_exclusions(std::span<const std::uint32_t> queries, const ExcludeFn& exclude) {
    excl_begin_.assign(queries.size() + 1, 0);
    excl_.clear();
    if (!exclude) return;
    for (std::size_t q = 0; q < queries.size(); ++q) {
      const std::size_t begin = excl_.size();
      for (std::uint32_t item : exclude(queries[q])) {
        TR_CHECK(item < tree_.num_items(), "excluded item ", item, " of query ", queries[q],
                 " is not below the corpus size ", tree_.num_items());
        excl_.push_back(tree_.leaf(item));
      }
      const auto b = excl_.begin() + static_cast<std::ptrdiff_t>(begin);
      std::sort(b, excl_.end());
      excl_.erase(std::unique(b, excl_.end()), excl_.end());
      excl_begin_[q + 1] = excl_.size();
    }
  }

  bool excluded(std::size_t q, Code leaf) const {
    const auto b = excl_.begin() + static_cast<std::ptrdiff_t>(excl_begin_[q]);
    const auto e = excl_.begin() + static_cast<std::ptrdiff_t>(excl_begin_[q + 1]);
    return std::binary_search(b, e, leaf);
  }

  // The scoring rows of `level`: each query's non-empty children of its beam, in code order
  // (the beam is kept sorted by code), without excluded leaves.
  void expand(std::uint32_t level, std::size_t q_count) {
    const bool leaf = level == tree_.max_level();
    row_begin_.resize(q_count + 1);
    nodes_.clear();
    parent_rank_.clear();
    for (std::size_t q = 0; q < q_count; ++q) {
      row_begin_[q] = static_cast<std::uint32_t>(nodes_.size());
      const std::size_t end = beam_begin_[q + 1];
      for (std::size_t i = beam_begin_[q]; i < end; ++i) {
        constexpr std::size_t kAhead = 8;
        if (i + kAhead < end) tree_.prefetch_children(beam_[i + kAhead].code);
        // Tree::children is O(1): a binary search in a 1M-node level costs cache misses.
        for (Code child : tree_.children(beam_[i].code)) {
          if (leaf && excluded(q, child)) continue;
          if (options_.filter && options_.filter->passing_below(child) == 0) continue;
          nodes_.push_back(child);
          parent_rank_.push_back(beam_[i].rank);
        }
      }
      scored_[q] += nodes_.size() - row_begin_[q];
      TR_CHECK(nodes_.size() <= std::numeric_limits<std::uint32_t>::max(), "beam search batch of ",
               q_count, " queries asks for over 2^32 node scores at level ", level,
               "; use a smaller batch");
    }
    row_begin_[q_count] = static_cast<std::uint32_t>(nodes_.size());
  }

  // Replaces the beam by each row's best `keep` nodes: sorted by code for the next expansion,
  // or best first at the leaf level.
  void select(std::uint32_t level, std::size_t q_count, std::size_t keep, bool path_sum,
              bool leaf) {
    beam_.clear();
    const auto before = [this](std::uint32_t a, std::uint32_t b) {
      return ranks_before(ranks_[a], nodes_[a], ranks_[b], nodes_[b]);
    };
    ranks_.resize(nodes_.size());
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (std::isnan(scores_[i]))
        fail("scorer returned NaN for node ", nodes_[i], " at level ", level);
      ranks_[i] = path_sum ? parent_rank_[i] + static_cast<double>(scores_[i])
                           : static_cast<double>(scores_[i]);
    }
    for (std::size_t q = 0; q < q_count; ++q) {
      const std::uint32_t begin = row_begin_[q];
      const std::uint32_t end = row_begin_[q + 1];
      order_.resize(end - begin);
      std::iota(order_.begin(), order_.end(), begin);
      if (order_.size() > keep) {
        const auto nth = order_.begin() + static_cast<std::ptrdiff_t>(keep);
        std::nth_element(order_.begin(), nth, order_.end(), before);
        std::size_t kept = keep;
        // Widen, best first, until the beam holds M passing items. Every node here holds one
        // at least, so a beam of M nodes or more needs no count.
        if (options_.filter && !leaf && keep < options_.top) {
          std::uint64_t passing = 0;
          for (std::size_t i = 0; i < keep; ++i) passing += options_.filter->passing_below(nodes_[order_[i]]);
          if (passing < options_.top) {
            std::sort(nth, order_.end(), before);
            while (kept < order_.size() && passing < options_.top)
              passing += options_.filter->passing_below(nodes_[order_[kept++]]);
          }
        }
        order_.resize(kept);
      }
      if (leaf)
        std::sort(order_.begin(), order_.end(), before);
      else
        std::sort(order_.begin(), order_.end());  // rows are in code order
      beam_begin_[q] = beam_.size();
      for (std::uint32_t i : order_) beam_.push_back({nodes_[i], ranks_[i]});
    }
    beam_begin_[q_count] = beam_.size();
  }

  const Tree& tree_;
  const BeamSearchOptions& options_;
  const std::uint32_t start_;
  std::unique_ptr<NodeScorer> scorer_;

  std::vector<std::size_t> excl_begin_;
  std::vector<Code> excl_;
  std::vector<std::uint64_t> scored_;
  std::vector<std::size_t> beam_begin_;
  std::vector<Entry> beam_;
  std::vector<std::uint32_t> row_begin_;
  std::vector<Code> nodes_;
  std::vector<double> parent_rank_;
  std::vector<float> scores_;
  std::vector<double> ranks_;
  std::vector<std::uint32_t> order_;
  std::vector<std::uint32_t> items_;
  std::vector<float> item_scores_;
};

}  // namespace

std::uint32_t beam_start_level(const Tree& tree, std::uint32_t beam) {
  for (std::uint32_t level = 0; level < tree.max_level(); ++level)
    if (tree.level_nodes(level).size() >= beam) return level;
  return tree.max_level();
}

BeamSearch::BeamSearch(const Tree& tree, BeamSearchOptions options)
    : tree_(tree), options_(options) {
  TR_CHECK(options_.beam >= 1, "beam size k must be at least 1, got ", options_.beam);
  TR_CHECK(options_.top >= 1, "number of items to return M must be at least 1, got ",
           options_.top);
  TR_CHECK(options_.batch >= 1, "query batch size must be at least 1, got ", options_.batch);
  TR_CHECK(options_.threads >= 0, "thread count must be >= 0 (0 = default), got ",
           options_.threads);
  TR_CHECK(tree_.num_items() >= 1 && tree_.max_level() >= 1,
           "beam search needs a tree with at least one item and one level below the root");
  start_level_ = beam_start_level(tree_, options_.beam);
}

RankedLists BeamSearch::search(const NodeScorerFactory& factory,
                               std::span<const std::uint32_t> queries,
                               const ExcludeFn& exclude) const {
  return detail::search_in_batches(queries, options_.batch, options_.top, options_.threads, exclude, [&] {
    return Worker(tree_, options_, start_level_, factory.make());
  });
}

RankedLists BeamSearch::search(const NodeScorerFactory& factory, std::uint32_t num_queries,
                               const ExcludeFn& exclude) const {
  std::vector<std::uint32_t> queries(num_queries);
  std::iota(queries.begin(), queries.end(), 0u);
  return search(factory, queries, exclude);
}

}  // namespace treerec
