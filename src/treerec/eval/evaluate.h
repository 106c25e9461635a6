// Offline evaluation (SPEC §6, §10): retrieve the top M items for every validation or test
// user of a dataset with a trained model (beam search on the tree, or brute force for
// methods that score every item) and average precision, recall and F over users.
#pragma once

#include <cstdint>

#include "treerec/data/dataset.h"
#include "treerec/eval/metrics.h"
#include "treerec/model/behavior_features.h"
#include "treerec/model/preference_model.h"
#include "treerec/tree/tree.h"

namespace treerec {

struct EvaluateOptions {
  Split split = Split::valid;
  std::uint32_t beam = 200;      // k
  std::uint32_t top = 200;       // M (the metrics use prefixes 10, 50, 100, 200 up to M)
  bool brute_force = false;      // score every item instead of beam search
  std::uint32_t max_users = 0;   // evaluate the first N users of the split (0 = all)
  int threads = 0;
};

struct EvaluateResult {
  Metrics metrics;
  double seconds = 0;
  double nodes_scored_per_user = 0;
};

// `features` must be built for `tree` with the model's representation.
EvaluateResult evaluate(const Dataset& dataset, const Tree& tree, const PreferenceModel& model,
                        const BehaviorFeatures& features, const EvaluateOptions& options);

}  // namespace treerec
