#include "treerec/baselines/youtube_retrieval.h"

// hnswlib 0.6.2's SSE path prefetches one link past the end of a neighbour list (a read that
// AddressSanitizer reports; later hnswlib versions fixed it): sanitizer builds use its plain path.
#if defined(__SANITIZE_ADDRESS__) && !defined(NO_MANUAL_VECTORIZATION)
#define NO_MANUAL_VECTORIZATION
#endif
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <numeric>

#include "treerec/model/layers.h"
#include "treerec/search/brute_force.h"
#include "treerec/search/query_batches.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {
namespace {

// The user vectors of a batch of queries (one group each, no rows).
class UserVectors {
 public:
  UserVectors(const YoutubeModel& model, const QueryHistories& histories) : model_(model), histories_(histories) {}
  // Rows of vectors(): one per query, vector_dim() floats each.
  void compute(std::span<const std::uint32_t> queries) {
    batch_.clear();
    for (std::uint32_t q : queries) {
      TR_CHECK(q < histories_.size(), "query ", q, " is not below the number of histories (", histories_.size(), ")");
      add_history_group(histories_.history(q), batch_);
    }
    batch_.validate(model_.config().items, model_.config().items);
    model_.user_vectors(batch_, state_);
  }
  const float* vectors() const { return state_.H.back().data(); }

 private:
  const YoutubeModel& model_;
  const QueryHistories& histories_;
  ModelBatch batch_;
  YoutubeModel::State state_;
};

class InnerProductScorer final : public ItemScorer {
 public:
  InnerProductScorer(const YoutubeModel& model, const QueryHistories& histories)
      : model_(model), users_(model, histories) {}
  void start_batch(std::span<const std::uint32_t> queries) override {
    users_.compute(queries);
    n_ = queries.size();
  }
  void score(std::uint32_t begin, std::uint32_t end, std::span<float> scores) override {
    const std::uint32_t D = model_.config().vector_dim();
    TR_CHECK(begin <= end && end <= model_.config().items && scores.size() == n_ * (end - begin),
             "item scorer asked for items [", begin, ", ", end, ") with ", scores.size(), " scores");
    // scores (n x w) = U (n x D) V[begin, end)^T: one SGEMM.
    fc_forward(n_, D, end - begin, users_.vectors(), D, model_.item_vector(begin), D, nullptr, scores.data(),
               end - begin);
  }

 private:
  const YoutubeModel& model_;
  UserVectors users_;
  std::size_t n_ = 0;
};

class InnerProductFactory final : public ItemScorerFactory {
 public:
  InnerProductFactory(const YoutubeModel& model, const QueryHistories& histories)
      : model_(model), histories_(histories) {}
  std::uint32_t num_items() const override { return model_.config().items; }
  std::unique_ptr<ItemScorer> make() const override {
    return std::make_unique<InnerProductScorer>(model_, histories_);
  }

 private:
  const YoutubeModel& model_;
  const QueryHistories& histories_;
};

std::vector<std::uint32_t> all_queries(const QueryHistories& histories) {
  TR_CHECK(histories.size() <= 0xFFFFFFFFu, "at most 2^32 - 1 queries per call, got ", histories.size());
  std::vector<std::uint32_t> q(histories.size());
  std::iota(q.begin(), q.end(), 0u);
  return q;
}

}  // namespace

RankedLists youtube_retrieve_exact(const YoutubeModel& model, const QueryHistories& histories,
                                   const YoutubeRetrieveOptions& options) {
  use_single_threaded_blas();
  BruteForceOptions bf;
  bf.top = options.top;
  bf.batch = options.batch;
  bf.chunk = std::min(options.chunk, model.config().items);
  bf.threads = options.threads;
  return BruteForce(bf).search(InnerProductFactory(model, histories), all_queries(histories));
}

const ParamTable<HnswOptions>& hnsw_params() {
  using T = ParamType;
  static const ParamTable<HnswOptions> table = [] {
    ParamTable<HnswOptions> p("the YouTube baseline's HNSW index");
    p.add({.name = "hnsw_m", .type = T::count, .help = "HNSW graph degree M", .min = 2, .max = 1024}, &HnswOptions::m)
        .add({.name = "hnsw_ef", .type = T::count, .help = "HNSW search candidate list (raised to the top M)", .min = 1},
             &HnswOptions::ef)
        .add({.name = "hnsw_ef_construction", .type = T::count, .help = "HNSW build candidate list", .min = 1},
             &HnswOptions::ef_construction)
        .add_via({.name = "hnsw_parallel_build", .type = T::boolean,
                  .help = "build the HNSW graph on all threads (faster; the graph then depends on the threads)"},
                 [](const HnswOptions& o) -> ParamValue { return o.build_threads != 1; },
                 [](HnswOptions& o, const ParamValue& v) { o.build_threads = std::get<bool>(v) ? 0 : 1; });
    return p;
  }();
  return table;
}

void HnswOptions::validate(const ParamNamer& name) const {
  hnsw_params().check(*this, name);
  if (build_threads < 0) fail("hnsw build threads ", build_threads, ": expected 0 (all cores) or more");
}

struct YoutubeHnswIndex::Impl {
  explicit Impl(std::size_t dim) : space(dim) {}
  hnswlib::InnerProductSpace space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
};

YoutubeHnswIndex::YoutubeHnswIndex(const YoutubeModel& model, const HnswOptions& options)
    : model_(model), options_(options) {
  options_.validate();
  const std::uint32_t items = model.config().items;
  impl_ = std::make_unique<Impl>(model.config().vector_dim());
  try {
    impl_->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(&impl_->space, items, options_.m,
                                                                     options_.ef_construction, options_.seed);
    if (options_.build_threads == 1) {
      for (std::uint32_t i = 0; i < items; ++i) impl_->graph->addPoint(model.item_vector(i), i);
    } else {
      // hnswlib's parallel insertion: the first point alone, then the rest concurrently.
      impl_->graph->addPoint(model.item_vector(0), 0);
      parallel_for(items - 1, options_.build_threads, 256,
                   [&](std::size_t i) { impl_->graph->addPoint(model.item_vector(static_cast<std::uint32_t>(i + 1)), i + 1); });
    }
  } catch (const std::exception& e) {
    fail("cannot build the HNSW index over ", items, " items: ", e.what());
  }
}

YoutubeHnswIndex::~YoutubeHnswIndex() = default;

RankedLists YoutubeHnswIndex::search(const QueryHistories& histories, const YoutubeRetrieveOptions& options) const {
  TR_CHECK(options.top >= 1, "number of items to return M must be at least 1, got ", options.top);
  TR_CHECK(options.batch >= 1, "query batch size must be at least 1, got ", options.batch);
  use_single_threaded_blas();
  impl_->graph->setEf(std::max<std::size_t>(options_.ef, options.top));
  const std::uint32_t D = model_.config().vector_dim();
  struct Worker {
    const YoutubeModel& model;
    const hnswlib::HierarchicalNSW<float>& graph;
    UserVectors users;
    std::uint32_t top, dim;
    std::vector<std::pair<float, std::uint32_t>> hits;
    std::vector<std::uint32_t> items;
    std::vector<float> scores;
    void run(std::size_t row, std::span<const std::uint32_t> queries, const ExcludeFn&, RankedListsBuilder& out) {
      users.compute(queries);
      for (std::size_t q = 0; q < queries.size(); ++q) {
        const float* u = users.vectors() + q * dim;
        auto found = graph.searchKnn(u, top);
        hits.clear();
        while (!found.empty()) {
          const auto item = static_cast<std::uint32_t>(found.top().second);
          found.pop();
          const float* v = model.item_vector(item);
          float dot = 0.0f;
          for (std::uint32_t k = 0; k < dim; ++k) dot += u[k] * v[k];
          hits.emplace_back(dot, item);
        }
        std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) {
          return ranks_before(a.first, a.second, b.first, b.second);
        });
        items.clear();
        scores.clear();
        for (const auto& [s, i] : hits) {
          items.push_back(i);
          scores.push_back(s);
        }
        out.set(row + q, items, scores, hits.size());
      }
    }
  };
  const auto queries = all_queries(histories);
  return detail::search_in_batches(queries, options.batch, options.top, options.threads, {}, [&] {
    return Worker{model_, *impl_->graph, UserVectors(model_, histories), options.top, D, {}, {}, {}};
  });
}

double overlap_fraction(const RankedLists& exact, const RankedLists& approx) {
  TR_CHECK(exact.size() == approx.size(), "recall needs the same queries: ", exact.size(), " exact lists, ",
           approx.size(), " approximate ones");
  if (exact.size() == 0) return 1.0;
  double sum = 0;
  std::vector<std::uint32_t> e, a;
  for (std::size_t q = 0; q < exact.size(); ++q) {
    const auto ex = exact.items_of(q);
    const auto ap = approx.items_of(q);
    if (ex.empty()) {
      sum += 1.0;
      continue;
    }
    e.assign(ex.begin(), ex.end());
    a.assign(ap.begin(), ap.end());
    std::sort(e.begin(), e.end());
    e.erase(std::unique(e.begin(), e.end()), e.end());
    std::sort(a.begin(), a.end());
    a.erase(std::unique(a.begin(), a.end()), a.end());
    std::vector<std::uint32_t> common;
    std::set_intersection(e.begin(), e.end(), a.begin(), a.end(), std::back_inserter(common));
    sum += static_cast<double>(common.size()) / static_cast<double>(e.size());
  }
  return sum / static_cast<double>(exact.size());
}

}  // namespace treerec
