// The training options shared by `treerec train` and `treerec jtm` (one declaration each).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "treerec/train/train_options.h"

namespace treerec::cli {

// Adds --model, --epochs, --batch, --negatives, --layer-negatives (into `layer_negatives`,
// parsed once the tree is known), --lr, --lr-decay, --embedding-dim, --seed, --threads,
// --shard-samples and --checkpoint-every. Returns the --epochs option (callers may rename its help).
CLI::Option* add_train_flags(CLI::App* cmd, TrainOptions& t, std::string& layer_negatives);

}  // namespace treerec::cli
