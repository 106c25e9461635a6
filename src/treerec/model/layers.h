// Dense layers on whole batches (ALGORITHMS §4): row-major `n x features` float matrices, every
// matrix product one single-precision GEMM (util/blas.h; single-threaded because callers run
// inside our own parallel loops). Weights are stored `out x in` (row-major), so a layer is
// Y = X W^T + b. Leading dimensions (ld*) let a layer read or write a block of columns of a
// wider matrix, e.g. the node part of the 264-wide first layer. Nothing here allocates.
//
// Backward functions ADD into weight and bias gradients (accumulation across batches and
// per-thread reduction happen outside) and either overwrite or add into input gradients as
// their `accumulate_dx` says.
#pragma once

#include <cstddef>

namespace treerec {

// Y (n x out, ld ldy) = X (n x in, ld ldx) W^T (W: out x in, ld ldw) + b (b may be null);
// with accumulate, Y += X W^T + b instead.
void fc_forward(std::size_t n, std::size_t in, std::size_t out, const float* X, std::size_t ldx,
                const float* W, std::size_t ldw, const float* b, float* Y, std::size_t ldy,
                bool accumulate = false);

// Given dY (n x out), adds dY^T X to dW (out x in, ld lddw) and the column sums of dY to db
// (if not null); dX (n x in, ld lddx; may be null) = dY W, or += with accumulate_dx.
void fc_backward(std::size_t n, std::size_t in, std::size_t out, const float* X, std::size_t ldx,
                 const float* W, std::size_t ldw, const float* dY, std::size_t lddy, float* dW,
                 std::size_t lddw, float* db, float* dX, std::size_t lddx, bool accumulate_dx = false);

// PReLU with one learned slope per unit: H = A if A > 0 else alpha[j] * A (n x d, contiguous).
void prelu_forward(std::size_t n, std::size_t d, const float* A, const float* alpha, float* H);

// In place: turns dH (n x d) into dA, and adds dL/dalpha[j] = sum over A <= 0 of dH * A.
void prelu_backward(std::size_t n, std::size_t d, const float* A, const float* alpha, float* dH_to_dA,
                    float* dalpha);

// db[j] += sum_i dY[i * ld + j]  (column sums).
void add_column_sums(std::size_t n, std::size_t d, const float* dY, std::size_t ld, float* db);

}  // namespace treerec
