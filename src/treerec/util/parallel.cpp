#include "treerec/util/parallel.h"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <mutex>

extern "C" void openblas_set_num_threads(int);

namespace treerec {
namespace {
int g_threads = 0;

int resolve(int threads) {
  if (threads > 0) return threads;
  if (g_threads > 0) return g_threads;
  return std::max(1, omp_get_num_procs());
}

class FirstError {
 public:
  void capture() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!error_) error_ = std::current_exception();
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::mutex mu_;
  std::exception_ptr error_;
};
}  // namespace

int default_threads() { return resolve(0); }

void set_default_threads(int threads) {
  g_threads = threads;
  use_single_threaded_blas();
}

void use_single_threaded_blas() { openblas_set_num_threads(1); }

void parallel_blocks(std::size_t n, int threads,
                     const std::function<void(int, std::size_t, std::size_t)>& fn) {
  const int t = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(resolve(threads)),
                                                       std::max<std::size_t>(n, 1)));
  if (t == 1) {
    fn(0, 0, n);
    return;
  }
  FirstError error;
#pragma omp parallel num_threads(t)
  {
    const auto id = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t begin = n * id / static_cast<std::size_t>(t);
    const std::size_t end = n * (id + 1) / static_cast<std::size_t>(t);
    try {
      fn(static_cast<int>(id), begin, end);
    } catch (...) {
      error.capture();
    }
  }
  error.rethrow();
}

void parallel_for(std::size_t n, int threads, std::size_t grain,
                  const std::function<void(std::size_t)>& fn) {
  const int t = resolve(threads);
  grain = std::max<std::size_t>(grain, 1);
  if (t == 1 || n <= grain) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  FirstError error;
  const auto chunks = static_cast<long long>((n + grain - 1) / grain);
#pragma omp parallel for num_threads(t) schedule(dynamic, 1)
  for (long long c = 0; c < chunks; ++c) {
    try {
      const std::size_t begin = static_cast<std::size_t>(c) * grain;
      const std::size_t end = std::min(n, begin + grain);
      for (std::size_t i = begin; i < end; ++i) fn(i);
    } catch (...) {
      error.capture();
    }
  }
  error.rethrow();
}

}  // namespace treerec
