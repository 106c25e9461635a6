// Early stopping (ALGORITHMS §5: train to convergence), shared by every trainer: after each epoch the
// validation score (higher is better) is recorded; an epoch is the new best when it beats the
// best so far by more than min_delta (the first epoch always is), and training stops once
// `patience` epochs have passed since the best one. The best epoch's model is the result.
#pragma once

#include <cstdint>

namespace treerec {

struct EarlyStopping {
  std::uint32_t best_epoch = 0;  // 1-based; 0 before the first validated epoch
  double best_score = 0;
  bool stopped = false;

  // Records epoch `epoch` (1-based) with `score`; returns true when it is the new best.
  // patience 0 never stops (every epoch then counts, and the best is still tracked).
  bool record(std::uint32_t epoch, double score, std::uint32_t patience, double min_delta) {
    const bool best = best_epoch == 0 || score > best_score + min_delta;
    if (best) {
      best_epoch = epoch;
      best_score = score;
    }
    stopped = patience > 0 && epoch - best_epoch >= patience;
    return best;
  }
};

}  // namespace treerec
