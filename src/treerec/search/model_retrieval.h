// Top-M retrieval with a trained preference model for a list of queries (ALGORITHMS §6): layer-wise
// beam search on the tree, or brute force over every item (the DNN baseline, ALGORITHMS §9), through
// the model scorers of model_scorer.h. Evaluation, the retrieve command and serving call this,
// so they all retrieve the same way.
#pragma once

#include <cstdint>

#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/search/item_filter.h"
#include "treerec/search/model_scorer.h"
#include "treerec/search/ranked_lists.h"
#include "treerec/tree/tree.h"
#include "treerec/util/params.h"

namespace treerec {

struct RetrievalOptions {
  std::uint32_t beam = 200;  // k >= 1 (beam search only)
  std::uint32_t top = 200;   // M >= 1
  bool brute_force = false;  // score every item instead of beam search
  // HSM (ALGORITHMS §6, §9): rank by the path's probability product. Scores become
  // log p̂(n | parent, u) = log sigmoid(logit), or 0 for an only child (whose conditional
  // probability is 1), summed along the path (BeamRanking::path_sum). Not with brute_force.
  bool path_sum = false;
  int threads = 0;           // worker threads; 0 = the process default
  // Scratch per worker thread for the model's forward pass; the query batch (and, for brute
  // force, the item chunk) is sized from it with forward_rows_budget(). It never changes the
  // ranking beyond the last bits of the BLAS products (model_scorer.h).
  std::size_t scratch_bytes = std::size_t{32} << 20;
  // Only items that pass (item_filter.h), for beam search and brute force; null: all.
  const ItemFilter* filter = nullptr;
};

// beam and top (util/params.h).
const ParamTable<RetrievalOptions>& retrieval_params();

// Row q of the result holds query q's best min(M, |C|) items, best first, with their logits
// (node-score ranking; with path_sum: their path's log-probability; ties by the smaller leaf
// code in beam search, the smaller item id in brute force) and how many (query, node) scores it
// cost. Items in exclude(q) are never returned for query q (ranked_lists.h; beam search may then
// return fewer than M). Throws Error on bad options (brute_force with path_sum) or if the model,
// features and tree do not belong together.
RankedLists retrieve(const PreferenceModel& model, const HierarchicalPreference& features,
                     const Tree& tree, const QueryHistories& histories,
                     const RetrievalOptions& options, const ExcludeFn& exclude = {});

}  // namespace treerec
