// The most-popular-items baseline: every evaluation user is given the same list, the items
// that occur most often in the train users' sequences. It needs no model and no tree, and a
// trained model that does not beat it has learned nothing personal.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/eval/evaluate.h"
#include "treerec/search/ranked_lists.h"

namespace treerec {

// The min(top, |C|) items with the most records in train users' sequences (every record
// counts, repeats included), most frequent first, ties (zero counts included) by the smaller
// item id. top >= 1.
std::vector<std::uint32_t> most_popular_items(const Dataset& dataset, std::uint32_t top);

// A model that learned only popularity gives nearly every user the same list. With P the
// most_popular_items(dataset, top) and L_u user u's list (its first `top` items):
//   popular_overlap = mean over users of |L_u ∩ P| / |P|   (1 for the popular list itself)
//   coverage        = |∪_u L_u| / |C|                       (the share of items some list holds)
struct PopularityShare {
  double popular_overlap = 0;
  double coverage = 0;
};
PopularityShare popularity_share(const Dataset& dataset, const RankedLists& lists, std::uint32_t top);
// The warning for lists whose popular_overlap is above `threshold` (TrainOptions::
// popular_overlap_warning), or "" when it is not.
std::string popularity_warning(double popular_overlap, double threshold);

// ALGORITHMS §10 metrics of most_popular_items(dataset, options.top) for the users of
// evaluation_users(dataset, options.split, options.max_users). The other options are ignored;
// nodes_scored_per_user is 0, popular_overlap 1 (less with exclude_seen, which drops each
// user's seen items from the list before the cut).
EvaluateResult evaluate_popularity(const Dataset& dataset, const EvaluateOptions& options);

}  // namespace treerec
