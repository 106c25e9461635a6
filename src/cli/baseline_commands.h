// The Item-CF and YouTube product-DNN baselines (ALGORITHMS §9) inside the existing commands:
// `treerec train --method itemcf|youtube` (no tree), and `treerec evaluate` / `treerec
// retrieve`, which dispatch on the model file's kind (baselines/model_kind.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "treerec/baselines/item_cf.h"
#include "treerec/baselines/youtube_retrieval.h"
#include "treerec/data/dataset.h"
#include "treerec/search/ranked_lists.h"
#include "treerec/train/train_options.h"

namespace treerec::cli {

// True for the methods that train without a tree: itemcf, youtube.
bool is_treeless_baseline(const std::string& method);

// Adds --neighbours and --max-history (Item-CF only) to `train`.
void add_itemcf_train_options(CLI::App* cmd, ItemCfOptions& o);

// Throws Error naming the first of `given` (the command line's flags, "--max-batches") that
// `method` does not read: itemcf reads --neighbours and --max-history, youtube its training
// parameters and --valid-users, and every other method anything but itemcf's two. A flag that
// would be ignored is refused instead (youtube has no checkpoints, so --max-batches or --resume
// would silently train a whole run).
void refuse_unused_flags(const std::string& method, const std::vector<std::string>& given);

// Trains itemcf or youtube on `dataset_path` and writes `out`. The common options (epochs,
// batch, negatives, lr, lr_decay, embedding_dim, seed, threads, shard_samples) come from `t`;
// youtube reports recall on the first `valid_users` validation users after every epoch.
void train_treeless_baseline(const std::string& dataset_path, const std::string& out, const TrainOptions& t,
                             const ItemCfOptions& itemcf, std::uint32_t valid_users);

struct BaselineRetrieveOpts {
  bool approximate = false;  // youtube: HNSW instead of exact
  HnswOptions hnsw;
};
// Adds --approximate, --hnsw-m, --hnsw-ef, --hnsw-ef-construction, --hnsw-parallel-build to
// evaluate/retrieve.
void add_baseline_retrieve_options(CLI::App* cmd, BaselineRetrieveOpts& o);

struct BaselineLists {
  std::string method;     // "itemcf" or "youtube"
  std::string retrieval;  // "item-cf", "exact" or "hnsw"
  RankedLists lists;
  double hnsw_recall = -1;  // youtube --approximate: recall against exact (else -1)
};
// The model at `model_path` (an Item-CF or YouTube file, checked against the dataset) ranks
// top items for `users` from their evaluation features.
BaselineLists retrieve_baseline(const std::string& model_path, const Dataset& dataset,
                                const std::string& dataset_path, std::span<const std::uint32_t> users,
                                std::uint32_t top, int threads, const BaselineRetrieveOpts& o);

}  // namespace treerec::cli
