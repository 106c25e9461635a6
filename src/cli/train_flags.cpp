#include "cli/train_flags.h"

#include "cli/param_flags.h"

namespace treerec::cli {

CLI::Option* add_train_flags(CLI::App* cmd, TrainOptions& t) {
  add_param_flags(cmd, train_params(), t,
                  {"model", "epochs", "patience", "min_delta", "batch_size", "negatives", "layer_negatives",
                   "learning_rate", "lr_decay", "embedding_dim", "seed", "threads", "shard_samples",
                   "checkpoint_every", "checkpoint_seconds", "max_batches", "popular_overlap_warning"});
  return cmd->get_option("--epochs");
}

}  // namespace treerec::cli
