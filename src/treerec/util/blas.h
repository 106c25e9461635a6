// Matrix products, in one place. Every GEMM goes through sgemm() below, which runs oneDNN's
// sgemm: JIT-compiled kernels for the CPU the process runs on (AVX-512 where the CPU has it,
// AVX2 otherwise, whatever the vendor). On this project's machines it runs twice as fast as
// OpenBLAS restricted to its Haswell kernels, and as fast as or faster than OpenBLAS's
// AVX-512 kernels (docs/BENCHMARKS.md, "Which GEMM"). Matrix-vector products stay on OpenBLAS
// (cblas_sgemv), where the kernel hardly matters: they read every element once.
//
// sgemm() never starts threads of its own: treerec parallelises over rows and samples in its
// own pool (util/parallel.h), and runs each product single-threaded inside it.
#pragma once

#include <cstddef>
#include <string>

namespace treerec {

// Row-major C (m x n) = alpha * op(A) op(B) + beta * C, op(X) = X or X^T as trans_* says;
// lda, ldb and ldc are the row strides of A, B and C as stored. Throws on a malformed call.
void sgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
           const float* A, std::size_t lda, const float* B, std::size_t ldb, float beta, float* C,
           std::size_t ldc);

// Which kernels run, for benchmark reports: oneDNN's version and instruction set for GEMM,
// and the kernel family OpenBLAS loaded for matrix-vector products ("Haswell", "Cooperlake",
// ...; OpenBLAS picks it from the CPU unless OPENBLAS_CORETYPE names one).
std::string blas_kernels();

}  // namespace treerec
