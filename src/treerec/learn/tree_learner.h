// JTM tree learning, Algorithm 2 (ALGORITHMS §7; seed Parts A and B): given a trained preference model
// and the tree π_old it was trained on, learn a new assignment of items to leaves that raises
// the model's likelihood of every training sample's positives.
//
// Node rows: an internal node scores with the row of its code, before and after learning; a
// leaf's row belongs to its item (Trainer::warm_start moves it with the item), so the leaf term
// log p̂(π(c) | u) is scored with c's own leaf row under π_old wherever c goes, the same for
// every candidate. Nodes empty in π_old have no trained row: they are scored with a zero node
// embedding (the mean of the fresh N(0, σ²) row a warm start gives them), computed once per group.
//
// Levels are assigned top-down in gaps of d (the last gap may be shorter). At a gap s -> l every
// item sits under some node n_i at level s (the root at first); its candidates are the 2^(l-s)
// descendants of n_i at level l, with weight
//     W(c, n) = Σ_{(u,c) ∈ A_c} Σ_{j=s+1..l} log p̂(b_j(n) | u),
// A_c the training samples whose target is c (Dataset::train_sample order, optionally capped),
// the user features built as in training under π_old (HierarchicalPreference of the model's
// representation on π_old). Each subtree is then solved alone under the capacity 2^(l_max - l)
// per node: exactly (a transportation problem, assignment_solver.h; by default each item's arcs
// are pruned to its best `assign_candidates` plus its old node) or by the paper's greedy with
// rebalance. Subtrees run in parallel.
//
// Never worse: the top-down gaps do not maximise the whole objective at once (a later gap works
// inside the groups an earlier one chose), so at the end both trees are scored path by path
// under the same model, and when the learned tree scores below π_old the pass returns π_old
// (kept_old). The objective is compared for the whole tree: items cross subtrees, so no part of
// the old tree can be kept on its own.
//
// Scoring (the cost of the pass, about ceil(l_max/d) · 2^(d+1) · |A| node scores): for one sample
// the candidates' ancestors at level j are the 2^(j-s) descendants of n_i at level j; each is
// scored ONCE per sample (one ModelBatch group per (sample, level) — one group per sample for tdm
// features, which do not depend on the level — so the model computes the user half of its first
// layer once and shares it with every node of that level) and W sums log p̂ along the paths.
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

#include <nlohmann/json_fwd.hpp>

#include "treerec/data/dataset.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/tree/tree.h"
#include "treerec/util/params.h"

namespace treerec {

enum class AssignMethod { greedy, exact };
// "greedy", "exact"; parse_assign_method throws Error listing them for another name.
const char* assign_method_name(AssignMethod m);
AssignMethod parse_assign_method(const std::string& name);

// One pass's options. The member initialisers are the defaults; learn_params() declares each
// member once with its name, range and help (util/params.h).
struct TreeLearnOptions {
  std::uint32_t gap = 7;                     // d; the last gap may be shorter
  std::uint32_t max_samples_per_item = 0;    // cap on |A_c| (0 = all), deterministic choice by seed
  AssignMethod assign = AssignMethod::exact;
  // Exact solver, in subtrees of more than 2^22 arcs (items x candidates): arcs per item, its
  // best candidates plus its old node (0 = every candidate). Smaller subtrees are solved whole.
  // 16 of 128 loses nothing measurable there (docs/TREE_LEARNING.md, "Pruning").
  std::uint32_t assign_candidates = 16;
  // Lookahead (0 = off: the paper's weights): per level below a gap, this many random nodes
  // estimate what an item meets there when it moves to another node; staying keeps its old path.
  std::uint32_t lookahead = 4;
  // Return π_old when the learned tree scores below it (ALGORITHMS §7.6). Off only to study the
  // paper's pass, whose trees can score far below π_old under the model that learned them.
  bool never_worse = true;
  std::uint64_t seed = 1;
  int threads = 0;                           // 0 = process default; result must not depend on it
  std::function<void(const std::string&)> log; // optional progress lines
  // Not a parameter: where to checkpoint after every gap (learn/learn_checkpoint.h; empty:
  // nowhere). When the file exists the pass continues from it; the caller removes it once the
  // tree is saved. With a path, a stop request (util/interrupt.h) ends the pass after the gap
  // in progress by throwing Interrupted.
  std::string checkpoint_path;
};

// The tree-learning parameters (every member but log and checkpoint_path).
const ParamTable<TreeLearnOptions>& learn_params();

// One gap s -> l: its objective Σ_c W(c, ·) under π_old's nodes and under the assignment made,
// both given the groups of the earlier gaps, and the items whose level-l ancestor changed.
struct GapStats {
  std::uint32_t from = 0, to = 0;
  std::uint64_t subtrees = 0;
  double objective_old = 0, objective_new = 0;
  std::uint64_t moved = 0;
  std::uint64_t widened = 0;  // exact solver: items that needed every candidate
};

struct TreeLearnResult {
  Tree tree;                                 // the result: the learned tree, or π_old when kept_old
  double objective_old = 0;                  // L(π_old), the objective below
  double objective_learned = 0;              // L of the tree the gaps learned
  double objective_new = 0;                  // L(tree) = max(objective_old, objective_learned)
  bool kept_old = false;                     // the learned tree scored below π_old: π_old returned
  std::vector<GapStats> gaps;
  std::vector<std::uint64_t> moved_per_level; // entry l: items whose level-l ancestor changed
  double scoring_seconds = 0, assign_seconds = 0;
  std::uint64_t node_scores = 0;             // (sample, node) pairs the model scored in the gaps
  std::uint64_t groups = 0;                  // (sample, level) user halves computed (one per sample and gap for tdm)
  std::uint64_t samples = 0;                 // Σ_c |A_c| (after the cap)

  // items, l_max, samples, node_scores, the three objectives, kept_old, gaps (each with from,
  // to, subtrees, objective_old/new, moved, widened), moved_per_level, scoring/assign seconds:
  // what `tree learn --json` and the Python module report.
  nlohmann::json to_json() const;
};

// Learns the new tree (builder "learned"). `features` must be built on `old_tree` with the
// model's representation and the model must fit them (check_model_fits); the dataset's items
// must be the tree's. Throws Error naming the problem (bad gap, mismatched inputs).
// The objective L(π) is the total log-likelihood Σ_c Σ_{A_c} Σ_{j=1..l_max} log p̂(b_j(π(c)) | u)
// of the positives (seed Part A) with the node rows above; tree_objective() computes it for any tree.
TreeLearnResult learn_tree(const Dataset& dataset, const Tree& old_tree, const PreferenceModel& model,
                           const HierarchicalPreference& features, const TreeLearnOptions& options);

// L(π) = Σ_c Σ_{(u,c) ∈ A_c} Σ_{j=1..l_max} log p̂(b_j(π(c)) | u) for the assignment π of `tree`,
// scored by `model` with the features of `model_tree` (the tree the model was trained on;
// `features` built on it) and A_c chosen as learn_tree chooses them (max_samples_per_item,
// seed). Levels below the leaves score the codes of `tree` (nodes empty in `model_tree` with a
// zero embedding), the leaf the item's own leaf row of `model_tree`, as in learn_tree. `tree`
// must hold the same items with the same l_max. This is learn_tree's objective_old for
// tree == model_tree and its objective_learned for the learned tree.
double tree_objective(const Dataset& dataset, const Tree& model_tree, const PreferenceModel& model,
                      const HierarchicalPreference& features, const Tree& tree,
                      std::uint32_t max_samples_per_item = 0, std::uint64_t seed = 1, int threads = 0);

// Entry l (0..l_max): items whose level-l ancestor differs between the two trees (same items).
std::vector<std::uint64_t> moved_per_level(const Tree& from, const Tree& to);

}  // namespace treerec
