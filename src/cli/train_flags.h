// The training options shared by `treerec train` and `treerec jtm` (one declaration each).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "treerec/train/train_options.h"

namespace treerec::cli {

// Adds a flag for every training parameter but --method (train_params(): --model, --epochs,
// --patience, --min-delta, --batch-size, --negatives, --layer-negatives, --learning-rate,
// --lr-decay, --embedding-dim, --seed, --threads, --shard-samples, --checkpoint-every,
// --checkpoint-seconds, --max-batches). Returns the --epochs option (callers may rename its help).
CLI::Option* add_train_flags(CLI::App* cmd, TrainOptions& t);

}  // namespace treerec::cli
