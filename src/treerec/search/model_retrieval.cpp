#include "treerec/search/model_retrieval.h"

#include <algorithm>

#include "treerec/search/beam_search.h"
#include "treerec/search/brute_force.h"
#include "treerec/util/error.h"

namespace treerec {

RankedLists retrieve(const PreferenceModel& model, const BehaviorFeatures& features,
                     const Tree& tree, const QueryHistories& histories,
                     const RetrievalOptions& options, const ExcludeFn& exclude) {
  TR_CHECK(histories.size() <= 0xFFFFFFFFu, "at most 2^32 - 1 queries per call, got ",
           histories.size());
  const auto queries = static_cast<std::uint32_t>(histories.size());
  const std::size_t rows = forward_rows_budget(model.config(), options.scratch_bytes);
  if (options.brute_force) {
    ModelItemScorerFactory factory(model, features, tree, histories);
    BruteForceOptions bf;
    bf.top = options.top;
    bf.threads = options.threads;
    bf.chunk = static_cast<std::uint32_t>(std::clamp<std::size_t>(rows, 1, std::min<std::size_t>(tree.num_items(), 4096)));
    bf.batch = static_cast<std::uint32_t>(std::clamp<std::size_t>(rows / bf.chunk, 1, 64));
    return BruteForce(bf).search(factory, queries, exclude);
  }
  ModelNodeScorerFactory factory(model, features, tree, histories);
  BeamSearchOptions bs;
  bs.beam = options.beam;
  bs.top = options.top;
  bs.threads = options.threads;
  // A query scores fewer than 4k nodes per level: the start level holds fewer than 2k nodes
  // (the level above it has fewer than k), so its children number fewer than 4k.
  const std::size_t per_query = 4 * std::size_t{std::max<std::uint32_t>(options.beam, 1)};
  bs.batch = static_cast<std::uint32_t>(std::clamp<std::size_t>(rows / per_query, 1, 256));
  return BeamSearch(tree, bs).search(factory, queries, exclude);
}

}  // namespace treerec
