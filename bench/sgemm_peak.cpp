// Measures this machine's single-precision GEMM peak through the GEMM treerec runs
// (treerec::sgemm, oneDNN), on one thread and on every thread of the pool (one single-threaded
// sgemm per thread, as training runs them). Training and search benchmarks report their FLOP
// rate as a fraction of this. The same figures for OpenBLAS's cblas_sgemm, with whichever
// kernels it loaded, are printed beside them for comparison.
//
// Then, on one thread, the products one training step and one beam-search level run (the
// model's shapes, ALGORITHMS §4), through both libraries: the case for oneDNN (util/blas.h).
//
//   build/sgemm_peak [--size N] [--threads T] [--repeats R]
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "treerec/util/blas.h"
#include "treerec/util/parallel.h"

namespace {
double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Row-major C = op(A) op(B) through OpenBLAS or through treerec::sgemm (oneDNN).
void gemm(bool openblas, bool ta, bool tb, int m, int n, int k, const float* A, int lda, const float* B,
          int ldb, float* C, int ldc) {
  if (openblas) {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.f, A,
                lda, B, ldb, 0.f, C, ldc);
  } else {
    const auto z = [](int v) { return static_cast<std::size_t>(v); };
    treerec::sgemm(ta, tb, z(m), z(n), z(k), 1.f, A, z(lda), B, z(ldb), 0.f, C, z(ldc));
  }
}

// GFLOP/s of `threads` concurrent n x n x n sgemms, median over repeats.
double measure(int n, int threads, int repeats, bool openblas) {
  std::vector<std::vector<float>> a(static_cast<std::size_t>(threads)), b(a.size()), c(a.size());
  for (int t = 0; t < threads; ++t) {
    const auto size = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
    a[static_cast<std::size_t>(t)].assign(size, 0.5f);
    b[static_cast<std::size_t>(t)].assign(size, 0.25f);
    c[static_cast<std::size_t>(t)].assign(size, 0.f);
  }
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const double start = seconds();
    treerec::parallel_blocks(static_cast<std::size_t>(threads), threads, [&](int t, std::size_t, std::size_t) {
      const auto i = static_cast<std::size_t>(t);
      for (int k = 0; k < 4; ++k) gemm(openblas, false, false, n, n, n, a[i].data(), n, b[i].data(), n, c[i].data(), n);
    });
    const double elapsed = seconds() - start;
    rates.push_back(4.0 * 2.0 * n * n * n * threads / elapsed / 1e9);
  }
  return median(rates);
}
// One thread, the model's products: (name, op(A) transposed?, op(B) transposed?, m, n, k). A
// search level scores ~400 nodes; a training shard is 32 samples x 121 rows.
struct Shape {
  const char* name;
  bool ta, tb;
  int m, n, k;
};
constexpr Shape kShapes[] = {
    {"search level, layer 1 node half", false, true, 400, 128, 24},
    {"search level, layer 2", false, true, 400, 64, 128},
    {"search level, layer 3", false, true, 400, 24, 64},
    {"training shard, layer 2 forward", false, true, 3872, 64, 128},
    {"training shard, layer 2 weight gradient", true, false, 64, 128, 3872},
    {"training shard, layer 2 input gradient", false, false, 3872, 128, 64},
};

void compare_shapes(int repeats) {
  std::printf("one thread, GFLOP/s (median of %d):\n%-54s %9s %9s %7s\n", repeats, "product (m x n x k)",
              "OpenBLAS", "oneDNN", "ratio");
  for (const Shape& s : kShapes) {
    const int lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
    std::vector<float> A(static_cast<std::size_t>(s.m) * static_cast<std::size_t>(s.k), 0.5f);
    std::vector<float> B(static_cast<std::size_t>(s.k) * static_cast<std::size_t>(s.n), 0.25f);
    std::vector<float> C(static_cast<std::size_t>(s.m) * static_cast<std::size_t>(s.n));
    const double flop = 2.0 * s.m * s.n * s.k;
    const int calls = std::max(4, static_cast<int>(2e8 / flop));
    for (int lib = 0; lib < 2; ++lib) gemm(lib == 0, s.ta, s.tb, s.m, s.n, s.k, A.data(), lda, B.data(), ldb, C.data(), s.n);
    std::vector<double> rates[2];
    for (int r = 0; r < repeats; ++r)
      for (int lib = 0; lib < 2; ++lib) {  // alternate, so both see the same machine
        const double start = seconds();
        for (int c = 0; c < calls; ++c)
          gemm(lib == 0, s.ta, s.tb, s.m, s.n, s.k, A.data(), lda, B.data(), ldb, C.data(), s.n);
        rates[lib].push_back(flop * calls / (seconds() - start) / 1e9);
      }
    const double rate[2] = {median(rates[0]), median(rates[1])};
    char name[96];
    std::snprintf(name, sizeof name, "%s (%dx%dx%d)", s.name, s.m, s.n, s.k);
    std::printf("%-54s %9.1f %9.1f %6.2fx\n", name, rate[0], rate[1], rate[1] / rate[0]);
  }
}
}  // namespace

int main(int argc, char** argv) {
  int n = 1024, threads = omp_get_num_procs(), repeats = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--size")) n = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
    else { std::fprintf(stderr, "usage: sgemm_peak [--size N] [--threads T] [--repeats R]\n"); return 2; }
  }
  treerec::set_default_threads(threads);  // BLAS single-threaded inside our pool
  std::printf("kernels: %s\n", treerec::blas_kernels().c_str());
  for (const bool openblas : {true, false}) {
    measure(n, 1, 1, openblas);  // warm up
    const double one = measure(n, 1, repeats, openblas);
    const double all = measure(n, threads, repeats, openblas);
    std::printf("sgemm %dx%dx%d, %s: 1 thread %.1f GFLOP/s, %d threads %.1f GFLOP/s (median of %d)\n", n, n, n,
                openblas ? "OpenBLAS cblas_sgemm" : "treerec::sgemm (oneDNN)", one, threads, all, repeats);
    if (!openblas) std::printf("sgemm_peak_gflops=%.1f\n", all);
  }
  compare_shapes(repeats);
  return 0;
}
