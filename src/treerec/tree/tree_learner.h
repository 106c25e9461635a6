// Tree learning (SPEC §7, JTM Algorithm 2): given a trained model and the current tree, learn a
// new assignment of items to leaves, layer gap by layer gap.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/model/behavior_features.h"
#include "treerec/model/preference_model.h"
#include "treerec/tree/tree.h"

namespace treerec {

enum class AssignMethod { greedy, exact };

struct TreeLearnOptions {
  std::uint32_t gap = 7;
  std::uint32_t max_samples_per_item = 0;
  AssignMethod assign = AssignMethod::greedy;
  std::uint64_t seed = 1;
  int threads = 0;
  std::function<void(const std::string&)> log;
};

struct TreeLearnResult {
  Tree tree;
  double objective_old = 0;
  double objective_new = 0;
  std::vector<std::uint64_t> moved_per_level;
  double scoring_seconds = 0, assign_seconds = 0;
};

TreeLearnResult learn_tree(const Dataset& dataset, const Tree& old_tree, const PreferenceModel& model,
                           const BehaviorFeatures& features, const TreeLearnOptions& options);

}  // namespace treerec
