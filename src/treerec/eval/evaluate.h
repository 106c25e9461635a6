// Offline evaluation (ALGORITHMS §6, §10): retrieve the top M items for every validation or test
// user of a dataset with a trained model (beam search on the tree, or brute force for
// methods that score every item) and average precision, recall and F over users.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/eval/metrics.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/search/item_filter.h"
#include "treerec/search/ranked_lists.h"
#include "treerec/tree/tree.h"

namespace treerec {

struct EvaluateOptions {
  Split split = Split::valid;
  std::uint32_t beam = 200;      // k
  std::uint32_t top = 200;       // M (the metrics use prefixes 10, 50, 100, 200 up to M)
  bool brute_force = false;      // score every item instead of beam search
  bool path_sum = false;         // HSM: rank by the path's probability (RetrievalOptions)
  std::uint32_t max_users = 0;   // evaluate a seeded random sample of N users of the split (0 = all)
  // Production's setting: a user's seen items (the first half of its sequence, whose last
  // items are its query) are never in its list; lists are cut at M after removing them.
  bool exclude_seen = false;
  std::uint64_t sample_seed = 1;
  int threads = 0;
  // Only items that pass (search/item_filter.h) inside the search; null: all. The truth is not
  // filtered: recall counts what the rule keeps out as missed.
  const ItemFilter* filter = nullptr;
};

struct EvaluateResult {
  Metrics metrics;
  double seconds = 0;                 // wall time of retrieval and metrics
  double nodes_scored_per_user = 0;   // mean (query, node) scores per user; |C| for brute force
  // Whether the lists only follow popularity (eval/popularity.h, popularity_share): the mean
  // share of a user's list that is the most-popular list, and the share of the items that some
  // user's list holds.
  double popular_overlap = 0;
  double coverage = 0;
};

// The cutoffs measured on lists of M items: those of kDefaultCutoffs (10, 50, 100, 200) that
// are <= M, then M itself if it is not one of them (M >= 1).
std::vector<std::uint32_t> metric_cutoffs(std::uint32_t top);

// The users evaluate() takes: users(split), or when 0 < max_users < their number a uniform
// random sample of max_users of them drawn by `seed` (sample_users); increasing id order.
// Throws Error if the split has no user.
std::vector<std::uint32_t> evaluation_users(const Dataset& dataset, Split split, std::uint32_t max_users,
                                            std::uint64_t seed = 1);
// n of `users` chosen uniformly without replacement by Rng(seed), in increasing order (all of
// them when n is 0 or at least their number). A pure function of its arguments.
std::vector<std::uint32_t> sample_users(std::span<const std::uint32_t> users, std::uint32_t n, std::uint64_t seed);

// ALGORITHMS §10 over `users` (in this order): row q of `lists` is users[q]'s ranked list, measured
// against Dataset::eval_truth(users[q]) at metric_cutoffs(top).
Metrics measure_lists(const Dataset& dataset, std::span<const std::uint32_t> users,
                      const RankedLists& lists, std::uint32_t top);

// The items user `user` has seen before its evaluation half: the first half of its sequence
// (Dataset::eval_features are its last up to 69). What exclude_seen removes.
std::span<const std::uint32_t> seen_items(const Dataset& dataset, std::uint32_t user);

// Lists of `top` items for `users` from a ranker that takes no exclusions (Item-CF, YouTube,
// the popular list): rank(depth) gives row q users[q]'s best `depth` items. With exclude_seen
// the depth grows by the longest seen list and each user's seen items are dropped before the cut.
RankedLists lists_of_ranker(const Dataset& dataset, std::span<const std::uint32_t> users, std::uint32_t top,
                            bool exclude_seen, const std::function<RankedLists(std::uint32_t depth)>& rank);

// Every figure of EvaluateResult but seconds, for lists already retrieved (row q: users[q]'s):
// the metrics of measure_lists, the scores per user, the popularity share. evaluate() and the
// baselines' evaluation (Item-CF, YouTube) report these.
EvaluateResult measure_result(const Dataset& dataset, std::span<const std::uint32_t> users,
                              const RankedLists& lists, std::uint32_t top);

// `features` must be built for `tree` with the model's representation (Error otherwise).
// Users are the split's (evaluation_users), each queried with Dataset::eval_features; the
// search runs on options.threads threads and its result does not depend on their number.
EvaluateResult evaluate(const Dataset& dataset, const Tree& tree, const PreferenceModel& model,
                        const HierarchicalPreference& features, const EvaluateOptions& options);

}  // namespace treerec
