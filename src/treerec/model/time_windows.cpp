#include "treerec/model/time_windows.h"

#include <algorithm>

#include "treerec/model/parameters.h"
#include "treerec/util/error.h"

namespace treerec {

namespace {
constexpr std::size_t kAhead = 8;
}  // namespace

void TimeWindows::pool(const float* table, std::uint32_t dim, std::span<const std::uint32_t> rows,
                       float* out) {
  TR_CHECK(rows.size() <= kMaxBehaviors, "at most ", kMaxBehaviors, " behaviours, got ", rows.size());
  std::fill(out, out + std::size_t{kCount} * dim, 0.0f);
  for (std::size_t i = 0; i < std::min(kAhead, rows.size()); ++i) {
    __builtin_prefetch(table + std::size_t{rows[i]} * dim);
    __builtin_prefetch(table + std::size_t{rows[i]} * dim + dim - 1);
  }
  for (std::uint32_t w = 0; w < kCount; ++w) {
    const std::uint32_t n = count(w, rows.size());
    if (n == 0) break;  // later windows are empty too
    float* o = out + std::size_t{w} * dim;
    for (std::uint32_t i = kStarts[w]; i < kStarts[w] + n; ++i) {
      if (i + kAhead < rows.size()) {  // rows are scattered over a large table: fetch ahead
        const float* next = table + std::size_t{rows[i + kAhead]} * dim;
        __builtin_prefetch(next);
        __builtin_prefetch(next + dim - 1);
      }
      const float* e = table + std::size_t{rows[i]} * dim;
      for (std::uint32_t k = 0; k < dim; ++k) o[k] += e[k];
    }
    const float inv = 1.0f / static_cast<float>(n);
    for (std::uint32_t k = 0; k < dim; ++k) o[k] *= inv;
  }
}

void TimeWindows::pool_backward(std::span<const std::uint32_t> rows, std::uint32_t dim,
                                const float* dout, SparseRows& grads) {
  for (std::uint32_t w = 0; w < kCount; ++w) {
    const std::uint32_t n = count(w, rows.size());
    if (n == 0) break;
    const float inv = 1.0f / static_cast<float>(n);
    for (std::uint32_t i = kStarts[w]; i < kStarts[w] + n; ++i) {
      if (i + kAhead < rows.size()) grads.prefetch(rows[i + kAhead]);
      grads.add(rows[i], dout + std::size_t{w} * dim, inv);
    }
  }
}

}  // namespace treerec
