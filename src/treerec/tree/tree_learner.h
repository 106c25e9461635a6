// JTM tree learning, Algorithm 2 (SPEC §7; seed Parts A and B): given a trained preference model
// and the tree π_old it was trained on, learn a new assignment of items to leaves that raises
// the model's likelihood of every training sample's positives.
//
// Levels are assigned top-down in gaps of d (the last gap may be shorter). At a gap s -> l every
// item sits under some node n_i at level s (the root at first); its candidates are the 2^(l-s)
// descendants of n_i at level l, with weight
//     W(c, n) = Σ_{(u,c) ∈ A_c} Σ_{j=s+1..l} log p̂(b_j(n) | u),
// A_c the training samples whose target is c (Dataset::train_sample order, optionally capped),
// the user features built as in training under π_old (BehaviorFeatures of the model's
// representation on π_old). Each subtree is then solved alone (greedy with rebalance, or
// exactly) under the capacity 2^(l_max - l) per node; subtrees run in parallel.
//
// Scoring (the cost of the pass, about ceil(l_max/d) · 2^(d+1) · |A| node scores): for one sample
// the candidates' ancestors at level j are the 2^(j-s) descendants of n_i at level j; each is
// scored ONCE per sample (one ModelBatch group per (sample, level) — one group per sample for tdm
// features, which do not depend on the level — so the model computes the user half of its first
// layer once and shares it with every node of that level) and W sums log p̂ along the paths.
// A node that is empty in π_old has no trained embedding: it is scored with a zero node
// embedding (the mean of the fresh N(0, σ²) row it gets when the model warm-starts on the new
// tree, SPEC §7.6), computed once per group.
//
// Determinism: the result depends on the inputs and options but not on `threads`: each item's
// weights come from its own batches, laid out the same whatever thread runs them, and each
// subtree's assignment is a deterministic function of its weights.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/model/behavior_features.h"
#include "treerec/model/preference_model.h"
#include "treerec/tree/tree.h"

namespace treerec {

enum class AssignMethod { greedy, exact };
// "greedy", "exact"; parse_assign_method throws Error listing them for another name.
const char* assign_method_name(AssignMethod m);
AssignMethod parse_assign_method(const std::string& name);

struct TreeLearnOptions {
  std::uint32_t gap = 7;                     // d; the last gap may be shorter
  std::uint32_t max_samples_per_item = 0;    // cap on |A_c| (0 = all), deterministic choice by seed
  AssignMethod assign = AssignMethod::greedy;
  std::uint64_t seed = 1;
  int threads = 0;                           // 0 = process default; result must not depend on it
  std::function<void(const std::string&)> log; // optional progress lines
};

struct TreeLearnResult {
  Tree tree;                                 // the new assignment (same l_max, same items)
  double objective_old = 0;                  // sum over items of W(c, node) under the old tree, summed over gaps
  double objective_new = 0;                  // the same for the new assignment
  std::vector<std::uint64_t> moved_per_level; // entry l: items whose level-l ancestor changed
  double scoring_seconds = 0, assign_seconds = 0;
  std::uint64_t node_scores = 0;             // (sample, node) pairs the model scored
  std::uint64_t samples = 0;                 // Σ_c |A_c| (after the cap)
};

// Learns the new tree (builder "learned"). `features` must be built on `old_tree` with the
// model's representation and the model must fit them (check_model_fits); the dataset's items
// must be the tree's. Throws Error naming the problem (bad gap, mismatched inputs).
// Summed over all gaps, Σ_{j=s+1..l} runs over j = 1..l_max, so both objectives are the total
// log-likelihood Σ_c Σ_{A_c} Σ_{j=1..l_max} log p̂(b_j(π(c)) | u) of the positives (seed Part A)
// under π_old and the new π; tree_objective() computes the same for any tree.
TreeLearnResult learn_tree(const Dataset& dataset, const Tree& old_tree, const PreferenceModel& model,
                           const BehaviorFeatures& features, const TreeLearnOptions& options);

// Σ_c Σ_{(u,c) ∈ A_c} Σ_{j=1..l_max} log p̂(b_j(π(c)) | u) for the assignment π of `tree`, scored by
// `model` with the features of `model_tree` (the tree the model was trained on; `features` built
// on it) and A_c chosen as learn_tree chooses them (max_samples_per_item, seed). Nodes empty in
// `model_tree` are scored with a zero embedding, as in learn_tree. `tree` must hold the same items
// with the same l_max. This is learn_tree's objective_old for tree == model_tree and its
// objective_new for the learned tree (up to float rounding).
double tree_objective(const Dataset& dataset, const Tree& model_tree, const PreferenceModel& model,
                      const BehaviorFeatures& features, const Tree& tree,
                      std::uint32_t max_samples_per_item = 0, std::uint64_t seed = 1, int threads = 0);

// Entry l (0..l_max): items whose level-l ancestor differs between the two trees (same items).
std::vector<std::uint64_t> moved_per_level(const Tree& from, const Tree& to);

}  // namespace treerec
