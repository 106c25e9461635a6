// Training throughput (issue 3): trains a few hundred batches of a method on a prepared dataset
// and tree and reports samples/s (median over steps, warm-up excluded), the FLOP rate and the
// peak memory. bench/train_bench.sh runs it at the paper's shapes beside the PyTorch peer.
//
//   build/train_bench DATASET TREE [--method jtm-h] [--batch 256] [--negatives 100]
//                     [--steps 30] [--warmup 3] [--threads 2] [--model dnn]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "treerec/data/dataset.h"
#include "treerec/train/trainer.h"
#include "treerec/tree/tree.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"
#include "treerec/util/blas.h"

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::fprintf(stderr, "usage: train_bench DATASET TREE [--method M] [--batch B] [--negatives N] "
                         "[--steps S] [--warmup W] [--threads T] [--shard S] [--model dnn|attention]\n");
    return 2;
  }
  treerec::TrainOptions options;
  options.method = "jtm-h";
  int steps = 30, warmup = 3, threads = 2;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--method") options.method = value;
    else if (flag == "--model") options.model = value;
    else if (flag == "--batch") options.batch_size = static_cast<std::uint32_t>(std::stoul(value));
    else if (flag == "--negatives") options.negatives = static_cast<std::uint32_t>(std::stoul(value));
    else if (flag == "--steps") steps = std::stoi(value);
    else if (flag == "--warmup") warmup = std::stoi(value);
    else if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--shard") options.shard_samples = static_cast<std::uint32_t>(std::stoul(value));
    else treerec::fail("unknown option ", flag);
  }
  treerec::set_default_threads(threads);
  options.threads = threads;
  options.max_batches = static_cast<std::uint64_t>(steps + warmup);
  const auto dataset = treerec::Dataset::load(argv[1]);
  const auto tree = treerec::Tree::load(argv[2]);
  treerec::Trainer trainer(dataset, tree, options);
  std::vector<double> times;
  double last = now();
  double loss = 0;
  trainer.on_progress([&](const treerec::TrainProgress& p) {
    const double t = now();
    times.push_back(t - last);
    last = t;
    loss = p.loss;
  });
  last = now();
  trainer.run();
  times.erase(times.begin(), times.begin() + std::min<std::ptrdiff_t>(warmup, static_cast<std::ptrdiff_t>(times.size())));
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  const double samples_per_second = options.batch_size / median;
  const auto& used = trainer.options().layer_negatives;
  std::uint64_t negatives = 0;
  for (auto k : used) negatives += k;
  const std::uint32_t levels = tree.max_level();
  // FLOPs per trained sample (model/dnn_model.h): ~77k per node row (forward + backward of
  // W1n and the 128-64-24-2 tower) and ~184k per group (W1u on the 240 window means, both ways).
  const bool per_level_groups = options.method == "jtm-h" || options.method == "jtm-hi";
  const double rows = static_cast<double>(levels + negatives);
  const double groups = per_level_groups ? levels : 1.0;
  const double flops = rows * 2.0 * 3.0 * (24 * 128 + 128 * 64 + 64 * 24 + 24 * 2) +
                       groups * 2.0 * 3.0 * (240 * 128);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("BLAS kernels %s\n", treerec::blas_kernels().c_str());
  std::printf("method %s, %u levels, %llu negatives/sample, batch %u, %d threads, loss %.4f\n",
              options.method.c_str(), levels, static_cast<unsigned long long>(negatives),
              options.batch_size, threads, loss);
  std::printf("step_ms median %.1f (steps %zu)\n", median * 1e3, times.size());
  std::printf("model GFLOP/s %.1f (%.2f MFLOP per sample)\n", flops * samples_per_second / 1e9, flops / 1e6);
  std::printf("peak_rss_mb=%.0f\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  std::printf("train_samples_per_sec=%.1f\n", samples_per_second);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_bench: %s\n", e.what());
  return 1;
}
