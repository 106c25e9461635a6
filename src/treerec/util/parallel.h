// Parallel loops on the process's one thread pool (OpenMP inside the library; OpenMP never
// appears in a public header). Results are reproducible for a fixed thread count because
// work is split into static, contiguous blocks; the first exception thrown by a worker is
// rethrown to the caller after every worker has stopped.
#pragma once

#include <cstddef>
#include <functional>

namespace treerec {

// Number of worker threads used by parallel_for when `threads` is 0.
int default_threads();
// Sets the default (0 = all cores). Also keeps OpenBLAS single-threaded, since it runs inside
// our own parallel loops (GEMM, util/blas.h, keeps itself single-threaded).
void set_default_threads(int threads);
// Keeps BLAS single-threaded: library code that runs BLAS inside its own parallel loops calls
// this, so the two never spin against each other on the same cores.
void use_single_threaded_blas();

// Calls fn(thread, begin, end) once per thread on a contiguous block of [0, n).
// Blocks are assigned in order: thread t gets the t-th block.
void parallel_blocks(std::size_t n, int threads,
                     const std::function<void(int thread, std::size_t begin, std::size_t end)>& fn);

// Calls fn(i) for every i in [0, n) with dynamic scheduling in chunks of `grain`.
void parallel_for(std::size_t n, int threads, std::size_t grain,
                  const std::function<void(std::size_t i)>& fn);

}  // namespace treerec
