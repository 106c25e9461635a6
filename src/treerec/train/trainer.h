// Trains a preference model on a dataset and a tree (ALGORITHMS §5; the DNN baseline of ALGORITHMS §9).
//
// Each epoch visits every training sample once, in a shuffled order: epoch e's order is a
// Fisher-Yates permutation drawn from Rng(mix_seed(seed, 1, e)), and the negatives of the
// sample at position p of epoch e come from its own stream Rng(mix_seed(mix_seed(seed, 2, e),
// p)). The model is initialised with seed mix_seed(seed, 0). So the content of every batch
// is a pure function of (seed, epoch, position), whatever the threads or interruptions.
//
// A step: the batch's samples are cut into shards of `shard_samples` consecutive samples;
// worker threads take the shards in waves (one shard per thread), each building its shard's
// ModelBatch (BatchBuilder), running forward, the loss (train/loss.h: binary cross-entropy
// averaged over all rows of the batch) and backward into its own Gradients; after each wave
// the shard gradients are added to the batch gradient in shard order. Since every shard is
// computed alone and the sum runs in shard order, the trained model depends on the seed, the
// options and shard_samples, but NOT on the thread count. Then one Adam step (dense Adam,
// lazy Adam for embedding rows; train/adam.h). The learning rate is multiplied by lr_decay
// after every epoch. Batches, states and gradients are reused: no allocation per batch once
// the buffers have grown.
//
// Checkpoints (train/checkpoint.h) are written every checkpoint_every batches (or about every
// checkpoint_seconds) and after every epoch; resume() continues from one and the run then ends
// with exactly the model an uninterrupted run would have produced.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "treerec/data/dataset.h"
#include "treerec/model/hierarchical_preference.h"
#include "treerec/model/preference_model.h"
#include "treerec/train/batch_builder.h"
#include "treerec/train/checkpoint.h"
#include "treerec/model/model_file.h"
#include "treerec/train/train_options.h"
#include "treerec/tree/tree.h"

namespace treerec {

class Adam;

// Reported after every batch.
struct TrainProgress {
  std::uint32_t epoch = 0;              // 0-based epoch in progress
  std::uint32_t epochs = 0;
  std::uint64_t epoch_samples_done = 0;  // samples of this epoch trained so far (all runs)
  std::uint64_t epoch_samples = 0;       // samples per epoch
  std::uint64_t samples_left = 0;        // samples still to train, all epochs
  double samples_per_second = 0;         // training speed of this run() call
  double loss = 0;                       // mean row loss of the epoch so far
  double seconds = 0;                    // training time of this run() call
};

// Reported when an epoch ends, before its checkpoint.
struct EpochSummary {
  std::uint32_t epoch = 0;     // 0-based epoch just finished
  double loss = 0;             // mean row loss over the whole epoch
  double seconds = 0;          // its training time (all runs; excludes the epoch-end callback)
  float learning_rate = 0;     // the learning rate it was trained with
  std::uint64_t samples = 0;
  // With a validation function: this epoch's score, the best epoch so far (1-based) and
  // whether training stops here (early stopping).
  bool validated = false;
  double score = 0;
  std::uint32_t best_epoch = 0;
  bool stop = false;
  // The validation lists' mean share of the most-popular list (-1 when not measured), and
  // whether it is above options.popular_overlap_warning: the model may have learned only
  // popularity (too few epochs, or a bad learning rate).
  double popular_overlap = -1;
  bool popularity_only = false;
};

// What a validation function returns: the score early stopping compares (higher is better,
// e.g. recall@200 on validation users) and fields for the epoch's history entry.
struct Validation {
  double score = 0;
  nlohmann::json fields = nlohmann::json::object();
  double popular_overlap = -1;  // the lists' mean share of the most-popular list (-1: not measured)
};

class Trainer {
 public:
  using ProgressFn = std::function<void(const TrainProgress&)>;
  // Returns fields to add to the epoch's history entry (e.g. validation metrics), or null.
  using EpochEndFn = std::function<nlohmann::json(const EpochSummary&)>;
  // Scores the model after an epoch (eval/validation.h builds one for recall@M).
  using ValidateFn = std::function<Validation(const PreferenceModel&, const HierarchicalPreference&)>;

  // Checks the options and that `tree` holds the dataset's items (Tree::check_items), builds the
  // behaviour features, the sampler, a fresh model and the optimizer. Throws Error naming the
  // problem. `dataset` and `tree` must outlive the trainer.
  Trainer(const Dataset& dataset, const Tree& tree, TrainOptions options);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  void on_progress(ProgressFn fn) { progress_ = std::move(fn); }
  void on_epoch_end(EpochEndFn fn) { epoch_end_ = std::move(fn); }
  // Runs after every epoch, before the epoch-end callback; its score drives early stopping
  // (options.patience > 0) and its fields join the history entry.
  void on_validate(ValidateFn fn) { validate_ = std::move(fn); }

  // Continues the run saved at options.checkpoint_path (call before run()). Throws Error if it
  // is absent or damaged, or was made with other options, another dataset or another tree
  // (naming the first difference). The checkpoint is read into this trainer's own model and
  // optimizer arrays; after an Error they may be part-loaded, so make a new Trainer to start afresh.
  void resume();
  // Warm start (ALGORITHMS §7.1, §8; JTM's later rounds): replaces the fresh model by a copy of `model`,
  // which was trained on `model_tree` (a tree of the same items). Node rows, and under jtm-h the
  // behaviour rows too (they are node rows), move to this trainer's tree by code
  // (node_row_sources): a node keeps its embedding while items move under it; codes that were
  // empty in `model_tree` get fresh seeded rows. tdm and jtm-hi behaviour rows are per item and
  // stay. The optimizer starts afresh (a model file holds no Adam state), at the options'
  // learning rate. On the same tree the model starts exactly as `model`. `model` must match the
  // options (kind, representation, embedding size, layers); Error names the difference. Call
  // before resume() and run(); the identity then records the initial model (a hash of its
  // parameters and of model_tree's assignment), so resume() refuses a checkpoint that started
  // elsewhere.
  void warm_start(const PreferenceModel& model, const Tree& model_tree);
  // Trains until every epoch is done or early stopping ends the run (returns true; under early
  // stopping model() is then the best epoch's), or until options.max_batches batches have been
  // trained by this call (writes a checkpoint when a path is set, returns false; calling run()
  // again continues). Throws Error on failure, e.g. a checkpoint that cannot be written (the
  // previous checkpoint is then left intact).
  bool run();
  // Asks a run() in progress (any thread; a signal handler's thread too) to stop after its
  // current batch, as max_batches would: it writes a checkpoint when a path is set and returns
  // false, and calling run() again continues exactly. A process-wide interrupt
  // (util/interrupt.h: SIGINT, SIGTERM) does the same, checked at the same point.
  void request_stop() { stop_requested_.store(true); }
  bool finished() const { return position_.epoch >= options_.epochs || position_.early.stopped; }
  // Epochs trained so far, and the epoch whose model is the result (1-based; the last epoch
  // without early stopping).
  std::uint32_t epochs_trained() const { return position_.epoch; }
  std::uint32_t best_epoch() const {
    return position_.early.best_epoch > 0 && options_.patience > 0 ? position_.early.best_epoch : position_.epoch;
  }

  const TrainOptions& options() const { return options_; }  // layer_negatives as used
  const Method& method() const { return method_; }
  const TrainPosition& position() const { return position_; }
  std::uint64_t batches_per_epoch() const { return batches_per_epoch_; }
  const PreferenceModel& model() const { return *model_; }
  const HierarchicalPreference& features() const { return features_; }
  const nlohmann::json& history() const { return history_; }
  // What the checkpoint must match: options, model config, dataset and tree fingerprints.
  const nlohmann::json& identity() const { return identity_; }
  // Method, tree, every option (plus `extra_options`, e.g. the CLI's file names) and history.
  TrainingInfo info(const nlohmann::json& extra_options = nlohmann::json::object()) const;
  // Writes the trained model with save_trained_model, then removes the checkpoint.
  void save(const std::string& path, const nlohmann::json& extra_options = nlohmann::json::object()) const;
  // Writes a checkpoint now (no-op without a checkpoint path).
  void write_checkpoint();

 private:
  struct Worker;
  void prepare_epoch();
  void train_batch();
  void run_shard(Worker& worker, std::uint64_t shard, std::uint64_t first, std::uint64_t samples,
                 double batch_rows) const;
  void end_epoch();
  void keep_best();

  const Dataset& dataset_;
  const Tree& tree_;
  std::atomic<bool> stop_requested_{false};
  TrainOptions options_;
  Method method_;
  HierarchicalPreference features_;
  BatchBuilder builder_;
  std::unique_ptr<PreferenceModel> model_;
  std::unique_ptr<PreferenceModel> best_;  // early stopping: the best epoch's model so far
  std::unique_ptr<Adam> adam_;
  nlohmann::json identity_;
  nlohmann::json history_ = nlohmann::json::array();
  TrainPosition position_;

  int threads_ = 1;
  std::uint64_t samples_ = 0;  // per epoch
  std::uint64_t batches_per_epoch_ = 0;
  std::vector<std::uint32_t> order_;  // the epoch's sample order
  std::uint32_t order_epoch_ = 0xFFFFFFFFu;
  std::uint64_t negative_seed_ = 0;  // the epoch's negatives stream
  std::vector<std::unique_ptr<Worker>> workers_;
  Gradients batch_grads_;
  std::vector<const Gradients*> shard_grads_;  // the wave's shard gradients, in shard order
  bool started_ = false;

  ProgressFn progress_;
  EpochEndFn epoch_end_;
  ValidateFn validate_;
  std::chrono::steady_clock::time_point last_checkpoint_at_;
  double last_checkpoint_write_ = 0;    // how long it took
  std::uint64_t last_checkpoint_batch_ = 0;
};

}  // namespace treerec
