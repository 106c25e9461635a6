// Measures this machine's single-precision GEMM peak through the BLAS treerec links, on one
// thread and on every thread of the pool (one single-threaded sgemm per thread, as training
// runs them). Training and search benchmarks report their FLOP rate as a fraction of this.
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

#include "treerec/util/blas_kernels.h"
#include "treerec/util/parallel.h"

namespace {
double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// GFLOP/s of `threads` concurrent n x n x n sgemms, median over repeats.
double measure(int n, int threads, int repeats) {
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
      for (int k = 0; k < 4; ++k)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a[i].data(), n,
                    b[i].data(), n, 0.f, c[i].data(), n);
    });
    const double elapsed = seconds() - start;
    rates.push_back(4.0 * 2.0 * n * n * n * threads / elapsed / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
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
  measure(n, 1, 1);                       // warm up
  const double one = measure(n, 1, repeats);
  const double all = measure(n, threads, repeats);
  std::printf("sgemm %dx%dx%d (%s kernels): 1 thread %.1f GFLOP/s, %d threads %.1f GFLOP/s (median of %d)\n", n,
              n, n, treerec::blas_kernels().c_str(), one, threads, all, repeats);
  std::printf("sgemm_peak_gflops=%.1f\n", all);
  return 0;
}
