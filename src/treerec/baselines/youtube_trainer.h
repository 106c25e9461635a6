// Training the YouTube product-DNN (ALGORITHMS §9) with a sampled softmax, and its model file.
//
// Each training sample (ALGORITHMS §2.5: a target and the up to 69 items before it) is one group:
// its history, and as rows the target followed by `negatives` items drawn uniformly without
// replacement from the rest of the corpus. The loss is the softmax cross-entropy of the target
// among those 1 + N candidates, averaged over the batch's samples:
//   loss = log Σ_r exp(u·v_r) - u·v_target.
// No logQ correction: sampled softmax subtracts log Q(i) from every candidate's logit, and a
// uniform Q is the same constant for all of them, so the softmax is unchanged.
//
// Determinism follows train/trainer.h exactly: epoch e's order is a Fisher-Yates permutation
// from Rng(mix_seed(seed, 1, e)), the negatives of position p come from
// Rng(mix_seed(mix_seed(seed, 2, e), p)), the model starts from mix_seed(seed, 0); a batch is
// cut into shards of shard_samples samples computed alone and summed in shard order, so the
// model depends on the seed, the options and shard_samples, never on the thread count. Adam
// with lazy embedding rows (train/adam.h), lr *= lr_decay after every epoch. No checkpoints.
//
// Model file: magic "TRECYTDN", format version 1: the network's sections (youtube_model.h) and
// "training" (JSON: method "youtube", items, item-id fingerprint, options, history).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "treerec/baselines/youtube_model.h"
#include "treerec/data/dataset.h"
#include "treerec/train/early_stopping.h"
#include "treerec/train/train_options.h"

namespace treerec {

class Adam;

// The training options the YouTube trainer shares with the tree methods: the same names, help,
// ranges and defaults, declared once in train/train_options (youtube_params() reuses them).
struct YoutubeTrainOptions {
  std::uint32_t embedding_dim = TrainOptions{}.embedding_dim;
  // At most `epochs`; with a validation function, early stopping as in train/trainer.h
  // (train/early_stopping.h): the best epoch's model is the result.
  std::uint32_t epochs = TrainOptions{}.epochs;
  std::uint32_t patience = TrainOptions{}.patience;
  double min_delta = TrainOptions{}.min_delta;
  std::uint32_t batch_size = TrainOptions{}.batch_size;
  std::uint32_t shard_samples = TrainOptions{}.shard_samples;  // the model depends on it
  std::uint32_t negatives = TrainOptions{}.negatives;          // sampled-softmax negatives per sample
  float learning_rate = TrainOptions{}.learning_rate;
  float lr_decay = TrainOptions{}.lr_decay;
  std::uint64_t seed = TrainOptions{}.seed;
  int threads = TrainOptions{}.threads;  // never changes the result

  // Throws Error for an option out of its range, naming it through `name`.
  void validate(const ParamNamer& name = plain_names()) const;
  nlohmann::json to_json() const;  // every option but threads
};

// The YouTube trainer's parameters: train_params()'s entries of the same names.
const ParamTable<YoutubeTrainOptions>& youtube_params();

struct YoutubeEpoch {
  std::uint32_t epoch = 0;  // 0-based
  double loss = 0;          // mean sample loss
  double seconds = 0;
  float learning_rate = 0;
  std::uint64_t samples = 0;
  bool validated = false;       // with a validation function: its score and the best epoch so far
  double score = 0;
  std::uint32_t best_epoch = 0;
};

class YoutubeTrainer {
 public:
  // Returns fields to add to the epoch's history entry (e.g. progress), or null.
  using EpochEndFn = std::function<nlohmann::json(const YoutubeEpoch&)>;
  // Scores the model after every epoch (higher is better: validation recall@M) and returns
  // fields for the history entry; drives early stopping.
  using ValidateFn = std::function<std::pair<double, nlohmann::json>(const YoutubeModel&)>;

  // Throws Error on bad options, a dataset without training samples, or a corpus with fewer
  // than negatives + 1 items. `dataset` must outlive the trainer.
  YoutubeTrainer(const Dataset& dataset, YoutubeTrainOptions options);
  ~YoutubeTrainer();

  void on_epoch_end(EpochEndFn fn) { epoch_end_ = std::move(fn); }
  void on_validate(ValidateFn fn) { validate_ = std::move(fn); }
  // Trains every epoch, or until early stopping ends the run (model() is then the best epoch's).
  void run();
  std::uint32_t epochs_trained() const { return static_cast<std::uint32_t>(history_.size()); }
  std::uint32_t best_epoch() const { return early_.best_epoch > 0 ? early_.best_epoch : epochs_trained(); }

  const YoutubeTrainOptions& options() const { return options_; }
  const YoutubeModel& model() const { return *model_; }
  const nlohmann::json& history() const { return history_; }
  // Writes the model file (extra_options are recorded beside the options, e.g. file names).
  void save(const std::string& path, const nlohmann::json& extra_options = nlohmann::json::object()) const;

 private:
  struct Worker;
  void train_batch(std::uint64_t first, std::uint64_t samples, double& loss);

  const Dataset& dataset_;
  YoutubeTrainOptions options_;
  std::unique_ptr<YoutubeModel> model_;
  std::unique_ptr<YoutubeModel> best_;  // early stopping: the best epoch's model so far
  EarlyStopping early_;
  std::unique_ptr<Adam> adam_;
  Gradients batch_grads_;
  std::vector<const Gradients*> shard_grads_;  // the wave's shard gradients, in shard order
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::uint32_t> order_;
  std::uint64_t negative_seed_ = 0;
  int threads_ = 1;
  nlohmann::json history_ = nlohmann::json::array();
  EpochEndFn epoch_end_;
  ValidateFn validate_;
};

struct TrainedYoutube {
  std::unique_ptr<YoutubeModel> model;
  nlohmann::json training;  // the "training" section
  // Throws Error (naming `source`) unless `dataset` has the items the model was trained on.
  void check_dataset(const Dataset& dataset, const std::string& source) const;
};
// Throws Error naming the file if it is not a YouTube model or is damaged.
TrainedYoutube load_youtube_model(const std::string& path);
// Writes a YouTube model file (`training`: its "training" section) atomically.
void save_youtube_model(const std::string& path, const YoutubeModel& model, const nlohmann::json& training);

}  // namespace treerec
