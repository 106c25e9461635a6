// sgemm() against a triple loop in double, for every transpose combination, padded row
// strides, beta in {0, 1, 0.5} and the shapes training and search use; and the degenerate
// shapes oneDNN is never asked about (k = 0, alpha = 0).
#include "treerec/util/blas.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "treerec/util/parallel.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

struct Case {
  bool ta, tb;
  std::size_t m, n, k;
  float alpha, beta;
};

void check(const Case& c) {
  Rng rng(7 + c.m * 31 + c.n * 17 + c.k);
  // Stored shapes: A is m x k (or k x m if transposed), B is k x n (or n x k); pad every row by 3.
  const std::size_t a_rows = c.ta ? c.k : c.m, a_cols = c.ta ? c.m : c.k;
  const std::size_t b_rows = c.tb ? c.n : c.k, b_cols = c.tb ? c.k : c.n;
  const std::size_t lda = a_cols + 3, ldb = b_cols + 3, ldc = c.n + 3;
  std::vector<float> A(a_rows * lda), B(b_rows * ldb), C(c.m * ldc);
  for (auto& x : A) x = static_cast<float>(rng.uniform01() - 0.5);
  for (auto& x : B) x = static_cast<float>(rng.uniform01() - 0.5);
  for (auto& x : C) x = static_cast<float>(rng.uniform01() - 0.5);
  const std::vector<float> C0 = C;
  sgemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, A.data(), lda, B.data(), ldb, c.beta, C.data(), ldc);
  for (std::size_t i = 0; i < c.m; ++i) {
    for (std::size_t j = 0; j < c.n; ++j) {
      double sum = 0;
      for (std::size_t p = 0; p < c.k; ++p) {
        const double a = c.ta ? A[p * lda + i] : A[i * lda + p];
        const double b = c.tb ? B[j * ldb + p] : B[p * ldb + j];
        sum += a * b;
      }
      const double want = c.alpha * sum + (c.beta == 0.0f ? 0.0 : c.beta * C0[i * ldc + j]);
      ASSERT_NEAR(C[i * ldc + j], want, 1e-5 * (1 + static_cast<double>(c.k)))
          << "ta " << c.ta << " tb " << c.tb << " m " << c.m << " n " << c.n << " k " << c.k << " at (" << i
          << ", " << j << ")";
    }
    // The padding between rows of C is never written.
    for (std::size_t j = c.n; j < ldc; ++j) ASSERT_EQ(C[i * ldc + j], C0[i * ldc + j]);
  }
}

TEST(Blas, SgemmMatchesTripleLoop) {
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (float beta : {0.0f, 1.0f, 0.5f}) {
        check({ta, tb, 1, 1, 1, 1.0f, beta});
        check({ta, tb, 7, 5, 3, 1.0f, beta});
        check({ta, tb, 33, 17, 65, -0.5f, beta});
        check({ta, tb, 400, 64, 128, 1.0f, beta});  // layer 2 of a beam-search level
        check({ta, tb, 64, 128, 300, 1.0f, beta});  // a weight gradient
      }
}

TEST(Blas, DegenerateShapes) {
  check({false, true, 4, 3, 0, 1.0f, 0.0f});   // k = 0: C = 0
  check({false, true, 4, 3, 0, 1.0f, 0.5f});   // k = 0: C = beta C
  check({true, false, 4, 3, 5, 0.0f, 1.0f});   // alpha = 0: C unchanged
  float c = 3.0f;
  sgemm(false, false, 0, 1, 1, 1.0f, nullptr, 1, nullptr, 1, 0.0f, &c, 1);  // m = 0: nothing
  EXPECT_EQ(c, 3.0f);
}

// A product is computed the same way inside treerec's pool and outside it: sgemm() never
// spreads one product over threads, so sums are never split differently (the trainers'
// results depend on this for a fixed thread count).
TEST(Blas, SameBitsInsideAndOutsideTheThreadPool) {
  // A long, thin product: oneDNN splits k over threads here when it is allowed more than one.
  const std::size_t m = 1, n = 128, k = 200000;
  Rng rng(11);
  std::vector<float> A(k * m), B(k * n);
  for (auto& x : A) x = static_cast<float>(rng.uniform01() - 0.5);
  for (auto& x : B) x = static_cast<float>(rng.uniform01() - 0.5);
  std::vector<float> outside(m * n), inside(m * n);
  set_default_threads(2);
  sgemm(true, false, m, n, k, 1.0f, A.data(), m, B.data(), n, 0.0f, outside.data(), n);
  parallel_blocks(2, 2, [&](int thread, std::size_t, std::size_t) {
    if (thread == 0) sgemm(true, false, m, n, k, 1.0f, A.data(), m, B.data(), n, 0.0f, inside.data(), n);
  });
  set_default_threads(0);
  EXPECT_EQ(outside, inside);
}

TEST(Blas, KernelsAreNamed) {
  const std::string kernels = blas_kernels();
  EXPECT_NE(kernels.find("oneDNN"), std::string::npos) << kernels;
  EXPECT_NE(kernels.find("OpenBLAS"), std::string::npos) << kernels;
}

}  // namespace
}  // namespace treerec
