// The most-popular-items baseline: every evaluation user is given the same list, the items
// that occur most often in the train users' sequences. It needs no model and no tree, and a
// trained model that does not beat it has learned nothing personal.
#pragma once

#include <cstdint>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/eval/evaluate.h"

namespace treerec {

// The min(top, |C|) items with the most records in train users' sequences (every record
// counts, repeats included), most frequent first, ties (zero counts included) by the smaller
// item id. top >= 1.
std::vector<std::uint32_t> most_popular_items(const Dataset& dataset, std::uint32_t top);

// ALGORITHMS §10 metrics of most_popular_items(dataset, options.top) for the users of
// evaluation_users(dataset, options.split, options.max_users). The other options are ignored;
// nodes_scored_per_user is 0.
EvaluateResult evaluate_popularity(const Dataset& dataset, const EvaluateOptions& options);

}  // namespace treerec
