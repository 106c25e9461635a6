#include "treerec/train/train_options.h"

#include <nlohmann/json.hpp>

#include "treerec/model/method.h"
#include "treerec/util/error.h"

namespace treerec {

const ParamTable<TrainOptions>& train_params() {
  using T = ParamType;
  static const ParamTable<TrainOptions> table = [] {
    ParamTable<TrainOptions> p("training");
    p.add({.name = "method", .type = T::text, .help = "what is trained (docs/ALGORITHMS.md §9)",
           .choices = method_names([](const Method& m) { return m.trainable; }), .config = false},
          &TrainOptions::method)
        .add({.name = "model", .type = T::text, .help = "preference model: dnn (MLP 128-64-24) or attention (docs/ALGORITHMS.md §4)",
              .choices = {"dnn", "attention"}},
             &TrainOptions::model)
        .add({.name = "embedding_dim", .type = T::count, .help = "embedding size (the MLP input is 11 times this)",
              .min = 1, .max = 4096},
             &TrainOptions::embedding_dim)
        .add({.name = "epochs", .type = T::count,
              .help = "most passes over the training samples (early stopping usually ends sooner)", .min = 1},
             &TrainOptions::epochs)
        .add({.name = "patience", .type = T::count,
              .help = "stop after this many epochs without a validation recall@M above the best by more than "
                      "min_delta, and keep the best epoch (0 = train every epoch, keep the last)"},
             &TrainOptions::patience)
        .add({.name = "min_delta", .type = T::real, .help = "smallest rise of validation recall@M that counts as progress",
              .min = 0},
             &TrainOptions::min_delta)
        .add({.name = "batch_size", .type = T::count,
              .help = "samples per optimizer step (256 as in the PyTorch reference)", .min = 1},
             &TrainOptions::batch_size)
        .add({.name = "shard_samples", .type = T::count,
              .help = "samples per gradient shard, the unit of parallel work (the model depends on it, never on "
                      "threads)",
              .min = 1},
             &TrainOptions::shard_samples)
        .add({.name = "negatives", .type = T::count,
              .help = "negatives per sample: spread over the levels, more on deeper ones (tree methods, docs/ALGORITHMS.md §5), "
                      "or drawn from the whole corpus (dnn, youtube); hsm ignores it"},
             &TrainOptions::negatives)
        .add({.name = "layer_negatives", .type = T::counts,
              .help = "tree methods: negatives per level k1,...,k_lmax for levels 1..l_max (overrides negatives)"},
             &TrainOptions::layer_negatives)
        .add({.name = "learning_rate", .type = T::real, .help = "Adam learning rate", .min = 0, .above = true},
             &TrainOptions::learning_rate)
        .add({.name = "lr_decay", .type = T::real, .help = "learning-rate factor after every epoch", .min = 0,
              .max = 1, .above = true},
             &TrainOptions::lr_decay)
        .add({.name = "seed", .type = T::count, .help = "seed of initialisation, sample order and negatives",
              .config = false},
             &TrainOptions::seed)
        .add({.name = "threads", .type = T::integer, .help = "worker threads (0 = all cores); never changes the result",
              .min = 0, .identity = false, .config = false},
             &TrainOptions::threads)
        .add({.name = "checkpoint_every", .type = T::count,
              .help = "write the checkpoint every N batches (0: about every checkpoint_seconds) and after every epoch",
              .identity = false, .config = false},
             &TrainOptions::checkpoint_every)
        .add({.name = "checkpoint_seconds", .type = T::real,
              .help = "seconds between checkpoints when checkpoint_every is 0 (stretched to 10x the last write)",
              .min = 0, .above = true, .identity = false, .config = false},
             &TrainOptions::checkpoint_seconds)
        .add({.name = "max_batches", .type = T::count,
              .help = "stop after this many batches, leaving a checkpoint (0 = no limit): for tests and time-boxed "
                      "jobs",
              .identity = false},
             &TrainOptions::max_batches)
        .add({.name = "popular_overlap_warning", .type = T::real,
              .help = "warn after an epoch whose validation lists share more than this with the most-popular list "
                      "on average (the model may have learned only popularity; 1 = never)",
              .min = 0, .max = 1, .identity = false, .config = false},
             &TrainOptions::popular_overlap_warning);
    return p;
  }();
  return table;
}

void TrainOptions::validate(const ParamNamer& name) const {
  train_params().check(*this, name);
  const Method& m = training_method(method);
  if (m.brute_force && !layer_negatives.empty())
    fail(name("layer_negatives"), " applies to the tree methods (tdm, jtm-hi, jtm-h), not to ", method, ": use ",
         name("negatives"));
  if (m.hsm && !layer_negatives.empty())
    fail(name("layer_negatives"), " does not apply to hsm: its only negative per level is the positive's sibling");
}

nlohmann::json TrainOptions::identity_json() const { return train_params().identity_json(*this); }

nlohmann::json TrainOptions::to_json() const { return train_params().to_json(*this); }

}  // namespace treerec
