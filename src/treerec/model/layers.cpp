#include "treerec/model/layers.h"

#include "treerec/util/blas.h"

namespace treerec {

void add_column_sums(std::size_t n, std::size_t d, const float* dY, std::size_t ld, float* db) {
  for (std::size_t i = 0; i < n; ++i) {
    const float* y = dY + i * ld;
    for (std::size_t j = 0; j < d; ++j) db[j] += y[j];
  }
}

void fc_forward(std::size_t n, std::size_t in, std::size_t out, const float* X, std::size_t ldx,
                const float* W, std::size_t ldw, const float* b, float* Y, std::size_t ldy,
                bool accumulate) {
  if (n == 0 || out == 0) return;
  float beta = accumulate ? 1.0f : 0.0f;
  if (b != nullptr) {
    // Seed Y with the bias (or add it) and let the GEMM accumulate onto it.
    for (std::size_t i = 0; i < n; ++i) {
      float* y = Y + i * ldy;
      if (accumulate) {
        for (std::size_t j = 0; j < out; ++j) y[j] += b[j];
      } else {
        for (std::size_t j = 0; j < out; ++j) y[j] = b[j];
      }
    }
    beta = 1.0f;
  }
  if (in == 0) {
    if (beta == 0.0f)
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < out; ++j) Y[i * ldy + j] = 0.0f;
    return;
  }
  sgemm(false, true, n, out, in, 1.0f, X, ldx, W, ldw, beta, Y, ldy);
}

void fc_backward(std::size_t n, std::size_t in, std::size_t out, const float* X, std::size_t ldx,
                 const float* W, std::size_t ldw, const float* dY, std::size_t lddy, float* dW,
                 std::size_t lddw, float* db, float* dX, std::size_t lddx, bool accumulate_dx) {
  if (n == 0 || out == 0) return;
  if (db != nullptr) add_column_sums(n, out, dY, lddy, db);
  if (in == 0) return;
  // dW (out x in) += dY^T (out x n) X (n x in)
  sgemm(true, false, out, in, n, 1.0f, dY, lddy, X, ldx, 1.0f, dW, lddw);
  if (dX != nullptr) {
    // dX (n x in) = dY (n x out) W (out x in)
    sgemm(false, false, n, in, out, 1.0f, dY, lddy, W, ldw, accumulate_dx ? 1.0f : 0.0f, dX, lddx);
  }
}

void prelu_forward(std::size_t n, std::size_t d, const float* A, const float* alpha, float* H) {
  for (std::size_t i = 0; i < n; ++i) {
    const float* a = A + i * d;
    float* h = H + i * d;
    for (std::size_t j = 0; j < d; ++j) h[j] = a[j] > 0.0f ? a[j] : alpha[j] * a[j];
  }
}

void prelu_backward(std::size_t n, std::size_t d, const float* A, const float* alpha, float* dH_to_dA,
                    float* dalpha) {
  for (std::size_t i = 0; i < n; ++i) {
    const float* a = A + i * d;
    float* g = dH_to_dA + i * d;
    for (std::size_t j = 0; j < d; ++j) {
      const bool pos = a[j] > 0.0f;
      dalpha[j] += pos ? 0.0f : g[j] * a[j];
      g[j] = pos ? g[j] : alpha[j] * g[j];
    }
  }
}

}  // namespace treerec
