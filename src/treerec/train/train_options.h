// Every option of a training run (ALGORITHMS §5, §9). The member initialisers are the defaults, the
// only place they are written; train_params() declares each member once more with its name,
// range and help, and from that come the CLI flags, the experiment config keys, the checks, the
// identity and `treerec params`. The trainer records the options in the model file and in
// checkpoints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "treerec/util/params.h"

namespace treerec {

struct TrainOptions {
  std::string method = "tdm";     // tdm | jtm-hi | jtm-h | dnn | hsm (model/method.h: Method::trainable)
  std::string model = "dnn";      // preference model kind: dnn | attention (ALGORITHMS §4)
  std::uint32_t embedding_dim = 24;
  // The most epochs to train (ALGORITHMS §5: train to convergence). With patience > 0 and a
  // validation function (Trainer::on_validate), training stops earlier once the validation
  // score has not risen by more than min_delta over the best so far for `patience` epochs, and
  // the model of the best epoch is the result; with patience 0 every epoch runs and the last
  // model is the result.
  std::uint32_t epochs = 30;
  std::uint32_t patience = 3;
  double min_delta = 0.001;  // in units of the score (recall@M: 0.001 = a tenth of a point)
  // Samples per optimizer step. 256 like the PyTorch reference implementation: the paper's
  // 30,000 per GPU suits GPUs, not a few CPU cores with lr 1e-3.
  std::uint32_t batch_size = 256;
  // Samples per gradient shard, the unit of parallel work. A batch is cut into shards of this
  // many samples; each shard's gradient is computed alone and the shards are summed in order.
  // The result depends on this value but NEVER on the thread count.
  std::uint32_t shard_samples = 32;
  // Negatives per sample: tree methods spread them over the levels (default_layer_negatives)
  // unless layer_negatives lists k_1..k_lmax; dnn draws them from the whole corpus; hsm
  // ignores both (one sibling per level).
  std::uint32_t negatives = 100;
  std::vector<std::uint32_t> layer_negatives;
  float learning_rate = 1e-3f;
  float lr_decay = 0.9f;  // lr *= lr_decay after every epoch (ALGORITHMS §5)
  std::uint64_t seed = 1;
  int threads = 0;  // 0 = the process default (util/parallel.h); never changes the result

  // Checkpoints (empty path: none). Written every `checkpoint_every` batches when > 0, else
  // every `checkpoint_seconds` of training (stretched to 10x the time the last write took, so
  // that writing a big model costs at most about a tenth of the run), and after every epoch.
  std::string checkpoint_path;
  std::uint64_t checkpoint_every = 0;
  double checkpoint_seconds = 120;
  // Stop after this many batches in one call of Trainer::run(), leaving a checkpoint
  // (0 = no limit): for tests and time-boxed jobs.
  std::uint64_t max_batches = 0;
  // A warning after an epoch whose validation lists share more than this with the most-popular
  // list on average (eval/popularity.h): the model may have learned only popularity.
  double popular_overlap_warning = 0.6;

  // Throws Error for an option out of its range or options that do not go together, naming
  // the options through `name` (flags in the CLI, config keys in experiments).
  void validate(const ParamNamer& name = plain_names()) const;
  // The options that decide the trained model (a checkpoint only resumes under equal values):
  // everything but threads, checkpointing and max_batches.
  nlohmann::json identity_json() const;
  // identity_json() plus the rest, as recorded in the model file.
  nlohmann::json to_json() const;
};

// The training parameters, one entry per member of TrainOptions.
const ParamTable<TrainOptions>& train_params();

}  // namespace treerec
