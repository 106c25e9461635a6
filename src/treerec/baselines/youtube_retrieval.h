// Retrieval with the YouTube product-DNN (ALGORITHMS §6, §9): the items with the largest inner
// product u · v_i.
//  - Exact: brute force over every item (search/brute_force.h, per-thread bounded heaps):
//    a batch of user vectors times a block of item embeddings is one SGEMM.
//  - Approximate: an HNSW graph (hnswlib, inner-product space) over the item embeddings,
//    searched with ef >= M; its hits are re-scored with the exact inner product, so scores and
//    tie order match the exact mode. overlap_fraction() measures its recall against exact.
//    The graph is reproducible for a fixed seed when built on one thread; a parallel build
//    inserts items in a scheduling-dependent order (hnswlib's own parallel insertion), so
//    its graph, and so the approximate lists, may differ from run to run.
// Queries are behaviour histories (search/model_scorer.h: QueryHistories; evaluation users'
// Dataset::eval_features), as for every other method.
#pragma once

#include <cstdint>
#include <memory>

#include "treerec/baselines/youtube_model.h"
#include "treerec/search/model_scorer.h"
#include "treerec/search/ranked_lists.h"
#include "treerec/util/params.h"

namespace treerec {

struct YoutubeRetrieveOptions {
  std::uint32_t top = 200;    // M >= 1
  std::uint32_t batch = 64;   // queries per SGEMM
  std::uint32_t chunk = 4096; // items per SGEMM
  int threads = 0;            // 0 = the process default; never changes the exact result
};

// Row q: query q's best min(M, |C|) items by u · v_i, ties by the smaller id; scored = |C|.
RankedLists youtube_retrieve_exact(const YoutubeModel& model, const QueryHistories& histories,
                                   const YoutubeRetrieveOptions& options);

struct HnswOptions {
  std::uint32_t m = 16;                 // graph degree (hnswlib M)
  std::uint32_t ef_construction = 200;  // candidate list while building
  std::uint32_t ef = 200;               // candidate list while searching (raised to M if below)
  std::uint64_t seed = 100;             // hnswlib's level generator
  int build_threads = 1;                // 1 = reproducible graph; 0 = the process default

  // Throws Error naming the option that is out of range.
  void validate(const ParamNamer& name = flag_names()) const;
};

// hnsw_m, hnsw_ef, hnsw_ef_construction and hnsw_parallel_build (util/params.h).
const ParamTable<HnswOptions>& hnsw_params();

class YoutubeHnswIndex {
 public:
  // Indexes every item's output embedding. The model must outlive the index.
  YoutubeHnswIndex(const YoutubeModel& model, const HnswOptions& options);
  ~YoutubeHnswIndex();
  YoutubeHnswIndex(const YoutubeHnswIndex&) = delete;
  YoutubeHnswIndex& operator=(const YoutubeHnswIndex&) = delete;

  const HnswOptions& options() const { return options_; }
  // Row q: up to M items found by the graph, best first by the exact inner product (ties by
  // the smaller id); scored = the number of items returned by the graph. The queries run on
  // options.threads threads; search() itself must not be called concurrently (it sets the
  // graph's ef).
  RankedLists search(const QueryHistories& histories, const YoutubeRetrieveOptions& options) const;

 private:
  struct Impl;
  const YoutubeModel& model_;
  HnswOptions options_;
  std::unique_ptr<Impl> impl_;
};

// Recall of `approx` against `exact`, query by query: the mean over queries of
// |approx_q ∩ exact_q| / |exact_q| (a query with an empty exact list counts 1). Both must have
// the same number of queries (Error otherwise).
double overlap_fraction(const RankedLists& exact, const RankedLists& approx);

}  // namespace treerec
