// Time windows (ALGORITHMS §4): a user's behaviours, ordered from most recent to oldest, are cut
// into 10 windows of sizes [1, 1, 1, 2, 2, 2, 10, 10, 20, 20] (69 in all). A window's vector
// is the mean of the embeddings of the behaviours it really holds; a window past the end of
// a short history is the zero vector.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "treerec/model/model_batch.h"

namespace treerec {

class SparseRows;

struct TimeWindows {
  static constexpr std::uint32_t kCount = 10;
  static constexpr std::array<std::uint32_t, kCount> kSizes{1, 1, 1, 2, 2, 2, 10, 10, 20, 20};
  // Window w covers positions [kStarts[w], kStarts[w + 1]) of the most-recent-first list.
  static constexpr std::array<std::uint32_t, kCount + 1> kStarts{0, 1, 2, 3, 5, 7, 9, 19, 29, 49, 69};
  static_assert(kStarts[kCount] == kMaxBehaviors);

  // How many of `n` behaviours (most recent first) fall in window w.
  static std::uint32_t count(std::uint32_t w, std::size_t n) {
    if (n <= kStarts[w]) return 0;
    return static_cast<std::uint32_t>(std::min<std::size_t>(n, kStarts[w + 1]) - kStarts[w]);
  }

  // out[w * dim + k] = mean over the behaviours i of window w of table[rows[i] * dim + k]
  // (0 for an empty window). rows: most recent first, at most 69. out: 10 * dim floats.
  static void pool(const float* table, std::uint32_t dim, std::span<const std::uint32_t> rows,
                   float* out);
  // Gradient of pool(): adds dout[w * dim + k] / count(w) to row rows[i] of `grads` for every
  // behaviour i of window w (a row listed twice gets both contributions).
  static void pool_backward(std::span<const std::uint32_t> rows, std::uint32_t dim,
                            const float* dout, SparseRows& grads);
};

}  // namespace treerec
