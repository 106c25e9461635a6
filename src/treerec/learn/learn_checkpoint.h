// Tree-learning checkpoints: a pass at UserBehavior's size scores for hours, and its gaps are
// natural stopping points. After every gap learn_tree writes what the next gaps need, the
// assignment so far and the running statistics, together with an identity (the options that
// decide the result, the model's parameters, the old tree's assignment, the dataset) that a
// continuing pass must match. A pass continued from one ends with the same tree and statistics
// as one never interrupted: each gap is a deterministic function of the assignment before it.
//
// File: magic "TRECLCKP", format version 1, a BinaryWriter container written atomically.
// Sections: "state" (JSON: identity, next_level, gaps, objective_old, scoring_seconds,
// assign_seconds, node_scores, groups) and "assignment" (u64 codes, one per item).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "treerec/learn/tree_learner.h"

namespace treerec {

struct LearnCheckpoint {
  std::uint32_t next_level = 0;       // the gaps up to this level are done
  std::vector<std::uint64_t> assignment;  // each item's node at next_level (leaves after the last gap)
  std::vector<GapStats> gaps;
  double objective_old = 0, scoring_seconds = 0, assign_seconds = 0;
  std::uint64_t node_scores = 0, groups = 0;
};

// What a checkpoint must match to be continued.
nlohmann::json learn_identity(const Dataset& dataset, const Tree& old_tree, const PreferenceModel& model,
                              const TreeLearnOptions& options);

// Writes atomically (a failed write leaves the previous checkpoint intact); throws Error.
void save_learn_checkpoint(const std::string& path, const nlohmann::json& identity, const LearnCheckpoint& state);

// Reads `path` (throws Error naming it when damaged or foreign) and checks its identity: a
// different one throws Error naming the first differing field and both values.
LearnCheckpoint load_learn_checkpoint(const std::string& path, const nlohmann::json& identity, std::uint32_t items,
                                      std::uint32_t levels);

}  // namespace treerec
