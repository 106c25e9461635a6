#include "treerec/eval/validation.h"

#include "treerec/eval/popularity.h"

#include <chrono>

#include "treerec/baselines/youtube_retrieval.h"
#include "treerec/eval/evaluate.h"
#include "treerec/search/model_retrieval.h"
#include "treerec/util/random.h"
#include "treerec/util/timing.h"

namespace treerec {

namespace {
constexpr std::uint64_t kValidationStream = 4;  // after the trainers' init, order, negative, warm-start streams
}  // namespace

std::vector<std::uint32_t> validation_users(const Dataset& dataset, std::uint32_t n, std::uint64_t seed) {
  if (n == 0) return {};
  return sample_users(dataset.users(Split::valid), n, mix_seed(seed, kValidationStream));
}

Validation validation_of(const Dataset& dataset, std::span<const std::uint32_t> users, const RankedLists& lists,
                         std::uint32_t top, double seconds) {
  const Metrics m = measure_lists(dataset, users, lists, top);
  return Validation{m.get(top).recall,
                    {{"valid", m.json()}, {"valid_seconds", seconds}, {"valid_users", users.size()}},
                    popularity_share(dataset, lists, top).popular_overlap};
}

Trainer::ValidateFn tree_validator(const Dataset& dataset, const Tree& tree, std::span<const std::uint32_t> users,
                                   const ValidationOptions& options) {
  return [&dataset, &tree, users, options](const PreferenceModel& model, const HierarchicalPreference& features) {
    const auto t0 = std::chrono::steady_clock::now();
    RetrievalOptions ro;
    ro.top = options.top;
    ro.beam = options.beam;
    ro.brute_force = options.brute_force;
    ro.path_sum = options.path_sum;
    ro.threads = options.threads;
    const EvalUserHistories histories(dataset, users);
    const RankedLists lists = retrieve(model, features, tree, histories, ro);
    return validation_of(dataset, users, lists, options.top, seconds_since(t0));
  };
}

YoutubeTrainer::ValidateFn youtube_validator(const Dataset& dataset, std::span<const std::uint32_t> users,
                                             std::uint32_t top, int threads) {
  return [&dataset, users, top, threads](const YoutubeModel& model) {
    const auto t0 = std::chrono::steady_clock::now();
    YoutubeRetrieveOptions ro;
    ro.top = top;
    ro.threads = threads;
    const RankedLists lists = youtube_retrieve_exact(model, EvalUserHistories(dataset, users), ro);
    const Validation v = validation_of(dataset, users, lists, top, seconds_since(t0));
    return std::make_pair(v.score, v.fields);
  };
}

}  // namespace treerec
