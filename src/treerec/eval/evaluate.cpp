#include "treerec/eval/evaluate.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "treerec/eval/popularity.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/search/model_scorer.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {

std::vector<std::uint32_t> metric_cutoffs(std::uint32_t top) {
  TR_CHECK(top >= 1, "number of items to retrieve M must be at least 1, got ", top);
  std::vector<std::uint32_t> cutoffs;
  for (std::uint32_t m : kDefaultCutoffs)
    if (m <= top) cutoffs.push_back(m);
  if (cutoffs.empty() || cutoffs.back() != top) cutoffs.push_back(top);
  return cutoffs;
}

std::vector<std::uint32_t> evaluation_users(const Dataset& dataset, Split split, std::uint32_t max_users,
                                            std::uint64_t seed) {
  const auto users = dataset.users(split);
  if (users.empty())
    fail("the dataset has no ", split_name(split), " users to evaluate; prepare it with "
         "--valid-users/--test-users above 0");
  return sample_users(users, max_users, seed);
}

std::vector<std::uint32_t> sample_users(std::span<const std::uint32_t> users, std::uint32_t n, std::uint64_t seed) {
  std::vector<std::uint32_t> out(users.begin(), users.end());
  if (n == 0 || n >= out.size()) return out;
  Rng rng(seed);  // a partial Fisher-Yates shuffle: the first n are a uniform sample
  for (std::size_t i = 0; i < n; ++i) std::swap(out[i], out[i + rng.uniform(out.size() - i)]);
  out.resize(n);
  std::sort(out.begin(), out.end());
  return out;
}

Metrics measure_lists(const Dataset& dataset, std::span<const std::uint32_t> users,
                      const RankedLists& lists, std::uint32_t top) {
  TR_CHECK(lists.size() == users.size(), lists.size(), " ranked lists for ", users.size(), " users");
  MetricsAccumulator acc(metric_cutoffs(top));
  for (std::size_t q = 0; q < users.size(); ++q) acc.add(lists.items_of(q), dataset.eval_truth(users[q]));
  return acc.result();
}

std::span<const std::uint32_t> seen_items(const Dataset& dataset, std::uint32_t user) {
  const auto seq = dataset.sequence(user);
  return seq.first(seq.size() / 2);
}

RankedLists lists_of_ranker(const Dataset& dataset, std::span<const std::uint32_t> users, std::uint32_t top,
                            bool exclude_seen, const std::function<RankedLists(std::uint32_t depth)>& rank) {
  if (!exclude_seen) return rank(top);
  std::size_t longest = 0;
  for (const std::uint32_t u : users) longest = std::max(longest, seen_items(dataset, u).size());
  return without_excluded(rank(top + static_cast<std::uint32_t>(longest)),
                          [&](std::uint32_t q) { return seen_items(dataset, users[q]); }, top);
}

EvaluateResult measure_result(const Dataset& dataset, std::span<const std::uint32_t> users,
                              const RankedLists& lists, std::uint32_t top) {
  EvaluateResult r;
  r.metrics = measure_lists(dataset, users, lists, top);
  const std::uint64_t scored = std::accumulate(lists.scored.begin(), lists.scored.end(), std::uint64_t{0});
  r.nodes_scored_per_user = users.empty() ? 0.0 : static_cast<double>(scored) / static_cast<double>(users.size());
  const PopularityShare share = popularity_share(dataset, lists, top);
  r.popular_overlap = share.popular_overlap;
  r.coverage = share.coverage;
  return r;
}

EvaluateResult evaluate(const Dataset& dataset, const Tree& tree, const PreferenceModel& model,
                        const HierarchicalPreference& features, const EvaluateOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  TR_CHECK(dataset.num_items() == tree.num_items(), "the dataset has ", dataset.num_items(),
           " items but the tree ", tree.num_items(), ": the tree was built for another dataset");
  const auto users = evaluation_users(dataset, options.split, options.max_users, options.sample_seed);
  const EvalUserHistories histories(dataset, users);
  RetrievalOptions ro;
  ro.beam = options.beam;
  ro.top = options.top;
  ro.brute_force = options.brute_force;
  ro.path_sum = options.path_sum;
  ro.threads = options.threads;
  ro.filter = options.filter;
  ExcludeFn seen;
  if (options.exclude_seen) seen = [&](std::uint32_t q) { return seen_items(dataset, users[q]); };
  const RankedLists lists = retrieve(model, features, tree, histories, ro, seen);
  EvaluateResult r = measure_result(dataset, users, lists, options.top);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace treerec
