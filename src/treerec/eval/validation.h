// Validation during training (ALGORITHMS §5): after every epoch, recall@M of the model on a seeded
// random sample of the validation users, retrieved the way the method retrieves (beam search,
// path-probability beam search for hsm, brute force for dnn). The trainers take it as their
// validation function (Trainer::on_validate), so every tree method, the DNN and HSM stop early
// on the same measure; youtube_validator() does the same for the YouTube product-DNN.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "treerec/baselines/youtube_trainer.h"
#include "treerec/data/dataset.h"
#include "treerec/eval/metrics.h"
#include "treerec/search/ranked_lists.h"
#include "treerec/train/trainer.h"
#include "treerec/tree/tree.h"

namespace treerec {

struct ValidationOptions {
  std::uint32_t top = 200;    // M: the score is recall@M
  std::uint32_t beam = 200;   // k
  bool brute_force = false;   // dnn
  bool path_sum = false;      // hsm
  int threads = 0;
};

// The seeded sample of validation users every trainer validates on: sample_users() of the
// dataset's validation users with n users and seed mix_seed(seed, 4) (empty when n is 0 or the
// dataset has none). `seed` is the training seed, so one experiment seed gives every method
// the same users.
std::vector<std::uint32_t> validation_users(const Dataset& dataset, std::uint32_t n, std::uint64_t seed);

// The score (recall@top) and history fields ({"valid": Metrics::json(), "valid_seconds"}) of
// ranked lists for `users`.
Validation validation_of(const Dataset& dataset, std::span<const std::uint32_t> users, const RankedLists& lists,
                         std::uint32_t top, double seconds);

// A validation function for Trainer::on_validate: retrieves for `users` on `tree` with the
// model being trained. `dataset`, `tree` and `users` must outlive it.
Trainer::ValidateFn tree_validator(const Dataset& dataset, const Tree& tree, std::span<const std::uint32_t> users,
                                   const ValidationOptions& options);

// The same for the YouTube trainer (YoutubeTrainer::on_validate): exact top-M retrieval.
YoutubeTrainer::ValidateFn youtube_validator(const Dataset& dataset, std::span<const std::uint32_t> users,
                                             std::uint32_t top, int threads);

}  // namespace treerec
