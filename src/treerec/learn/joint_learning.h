// Joint learning of the model and the tree (ALGORITHMS §8, JTM Algorithm 1), and TDM's tree
// re-clustering baseline ("tdm-kmeans", ALGORITHMS §3) on the same loop. Round r (1-based):
//   1. train the model on tree r: round 1 from scratch, later rounds warm-started from model
//      r-1 (Trainer::warm_start: node rows follow their codes, ALGORITHMS §7.1, §8);
//   2. measure validation recall@200 of model r on tree r (ALGORITHMS §10);
//   3. learn tree r+1 from model r: Algorithm 2 (relearn jtm, learn/tree_learner.h) or balanced
//      2-means on model r's leaf embeddings (relearn kmeans, learn/kmeans_tree.h).
// The tree learned in the last round was never trained on, so it cannot be measured: it is
// kept (round-(T+1)/tree, where a longer run continues) but never chosen. The best round is
// the one with the highest validation recall@200 (ties: the earlier round); without validation
// users it is the last round. Its model and the tree that model was trained on are best.model
// and best.tree.
//
// Files in the output folder (every one written atomically):
//   joint.json           the run's identity: options that decide the result (not the number
//                        of rounds), the dataset and the initial tree; a resumed run must match
//   round-N/tree         the tree round N trains on (round 1: the initial tree)
//   round-N/model        model N (a trained-model file); round-N/model.ckpt while training
//   round-N/round.json   round N's statistics, written last: the round is done once it exists
//   rounds.json          every finished round, the best round, written after each round
//   best.model, best.tree
// Resume: a run killed at any point continues with `resume` set: finished rounds are read
// back, an interrupted training continues from its checkpoint, evaluation and tree learning
// of an unfinished round are redone (they are deterministic). The result is the same as that
// of an uninterrupted run. `rounds` may grow on resume.
//
// Seeds: round 1 trains with train.seed (so it is exactly `treerec train` with the same
// options); round r > 1 with mix_seed(train.seed, r). Tree learning of round r uses
// mix_seed(learn.seed, r), k-means mix_seed(kmeans.seed, r).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "treerec/data/dataset.h"
#include "treerec/train/train_options.h"
#include "treerec/train/trainer.h"
#include "treerec/learn/kmeans_tree.h"
#include "treerec/tree/tree.h"
#include "treerec/learn/tree_learner.h"

namespace treerec {

// jtm: tree learning (ALGORITHMS §7); kmeans: TDM's re-clustering (ALGORITHMS §3); none: the same tree every
// round (the control that isolates what the learned tree adds: the same warm-started rounds).
enum class Relearn { jtm, kmeans, none };
const char* relearn_name(Relearn r);  // "jtm", "kmeans", "none"

struct JointOptions {
  std::uint32_t rounds = 3;  // T >= 1
  Relearn relearn = Relearn::jtm;
  // Each round's training (method jtm-h for JTM, tdm for tdm-kmeans; dnn has no tree to learn),
  // to convergence: train.epochs at most, early stopping on the validation users below.
  // checkpoint_path and seed are set per round; max_batches stops the whole run (resumable).
  TrainOptions train;
  // When not empty: round r trains exactly round_epochs[r - 1] epochs (and keeps its best one)
  // instead of stopping early; rounds beyond the list are not allowed. For the control that
  // repeats another run's epochs.
  std::vector<std::uint32_t> round_epochs;
  TreeLearnOptions learn;    // relearn jtm; seed per round, threads from train.threads
  KMeansTreeOptions kmeans;  // relearn kmeans; seed per round, threads from train.threads
  // Validation (early stopping inside rounds, and the best round): a seeded sample of
  // `valid_users` validation users (eval/validation.h: validation_users with train.seed; 0 = no
  // validation, best = last round), or exactly `valid_user_list` when it is not empty.
  std::uint32_t valid_users = 1000;
  std::vector<std::uint32_t> valid_user_list;
  bool resume = false;  // continue the run in the folder; without it an existing run is an error
  std::function<void(const std::string&)> log;  // progress lines (may be empty)
  Trainer::ProgressFn progress;                  // per training batch (may be empty)

  void validate(const ParamNamer& name = flag_names()) const;  // throws Error naming the option
  // What decides the result (a resumed run must match): all but rounds, threads, resume,
  // callbacks, checkpoint timing and max_batches.
  nlohmann::json identity_json() const;
};

// rounds, relearn and valid_users (util/params.h); the training, tree-learning and k-means
// parameters are train_params(), learn_params() and kmeans_params().
const ParamTable<JointOptions>& joint_params();

struct RoundStats {
  std::uint32_t round = 0;  // 1-based
  bool validated = false;
  double recall = 0;                                   // validation recall@200 (if validated)
  nlohmann::json valid = nullptr;                      // Metrics::json() of the validation
  double objective_old = 0, objective_new = 0;         // Algorithm 2's objective (jtm only)
  double objective_learned = 0;                        // of the learned tree, before the never-worse check
  bool kept_old = false;                               // tree learning returned tree r (never worse)
  std::uint32_t epochs = 0;                            // training epochs run in the round
  std::uint32_t best_epoch = 0;                        // the epoch whose model is model r
  std::uint64_t items_moved = 0;                       // items whose leaf changed in tree r+1
  std::vector<std::uint64_t> moved_per_level;          // from learn_tree (jtm only)
  double train_seconds = 0, eval_seconds = 0, learn_seconds = 0;
  nlohmann::json history = nlohmann::json::array();    // the trainer's per-epoch entries

  nlohmann::json to_json() const;
  static RoundStats from_json(const nlohmann::json& j);  // throws Error naming a bad field
};

struct JointResult {
  bool finished = false;          // false: stopped by train.max_batches (resume to continue)
  std::vector<RoundStats> rounds;  // the finished rounds
  std::uint32_t best_round = 0;   // 0 until a round has finished
  std::string best_model, best_tree;  // paths of best.model, best.tree

  nlohmann::json to_json() const;  // rounds.json
};

// The table the CLI prints: a header line and one line per round.
std::string rounds_table_header();
std::string rounds_table_row(const RoundStats& s, bool jtm);

// Runs (or continues) the loop in `out_dir` (created if needed). `initial_tree` must hold the
// dataset's items. Throws Error naming the file or option on failure, or when the folder holds
// another run (or any run, without options.resume).
JointResult run_joint_learning(const Dataset& dataset, const Tree& initial_tree, const JointOptions& options,
                               const std::string& out_dir);

}  // namespace treerec
