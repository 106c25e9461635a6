// Training throughput (issue 3): trains a few hundred batches of a method on a prepared dataset
// and tree and reports samples/s (median over steps, warm-up excluded), the FLOP rate and the
// peak memory. bench/train_bench.sh runs it at the paper's shapes beside the PyTorch peer.
// Under mpirun (bench/mpi_bench.sh) it also reports the bytes each rank sends per step, and
// checks docs/DISTRIBUTED.md's cost model: it measures latency and bandwidth with a ping-pong,
// then times the step's exchange alone (chain + broadcast of a message of the step's size)
// against what the model predicts from them.
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
#include "treerec/util/distributed.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"
#include "treerec/util/blas.h"

namespace {
double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// One-way time of a message of `bytes` from rank 0 to rank 1 (half a ping-pong), median of `reps`.
double one_way_seconds(std::size_t bytes, int reps) {
  namespace dist = treerec::dist;
  std::vector<std::byte> msg(bytes);
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    dist::barrier();
    const double t0 = now();
    if (dist::rank() == 0) {
      dist::send(msg, 1);
      msg = dist::receive(1);
    } else if (dist::rank() == 1) {
      msg = dist::receive(0);
      dist::send(msg, 0);
    }
    t.push_back((now() - t0) / 2);
  }
  std::vector<std::byte> m(sizeof(double));
  const double mine = median_of(t);
  std::memcpy(m.data(), &mine, sizeof mine);
  dist::broadcast(m, 0);
  double r = 0;
  std::memcpy(&r, m.data(), sizeof r);
  return r;
}

// The step's exchange alone, as train/ordered_reduce.h moves it, with `buckets` messages of
// bytes / buckets: down the chain 0 -> last, then last -> 0 -> ... -> last - 1; median of `reps`.
double exchange_seconds(std::size_t bytes, std::uint32_t buckets, int reps) {
  namespace dist = treerec::dist;
  const int me = dist::rank(), last = dist::size() - 1;
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    dist::barrier();
    const double t0 = now();
    for (std::uint32_t k = 0; k < buckets; ++k) {
      std::vector<std::byte> msg(bytes / buckets);
      if (me > 0) msg = dist::receive(me - 1);
      if (me < last) dist::send(msg, me + 1);
    }
    for (std::uint32_t k = 0; k < buckets; ++k) {
      std::vector<std::byte> msg(bytes / buckets);
      if (me != last) msg = dist::receive(me == 0 ? last : me - 1);
      const int to = me == last ? 0 : (me + 1 < last ? me + 1 : -1);
      if (to >= 0) dist::send(msg, to);
    }
    dist::barrier();
    t.push_back(now() - t0);
  }
  return median_of(t);
}
}  // namespace

int main(int argc, char** argv) try {
  namespace dist = treerec::dist;
  dist::init(&argc, &argv);
  if (!dist::root() && !std::freopen("/dev/null", "w", stdout)) return 1;
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
  double loss = 0;
  std::uint64_t bytes_at_warmup = 0;
  double comm_at_warmup = 0;
  double last = now();
  trainer.on_progress([&](const treerec::TrainProgress& p) {
    const double t = now();
    times.push_back(t - last);
    last = t;
    loss = p.loss;
    if (times.size() == static_cast<std::size_t>(warmup)) {
      bytes_at_warmup = dist::bytes_sent();
      comm_at_warmup = dist::communication_seconds();
    }
  });
  trainer.run();
  const std::size_t measured = times.size() - std::min<std::size_t>(static_cast<std::size_t>(warmup), times.size());
  const double bytes_per_step = static_cast<double>(dist::bytes_sent() - bytes_at_warmup) / static_cast<double>(measured);
  const double comm_per_step = (dist::communication_seconds() - comm_at_warmup) / static_cast<double>(measured);
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
  if (dist::size() > 1) {
    // Per rank: bytes sent and seconds inside MPI calls (waiting for the chain included).
    const double mine[2] = {bytes_per_step, comm_per_step};
    const auto all = dist::allgather<double>(mine);
    for (int r = 0; r < dist::size(); ++r)
      std::printf("rank %d: sent_bytes_per_step=%.0f mpi_seconds_per_step=%.4f\n", r, all[2 * r], all[2 * r + 1]);
    // The last rank sends the batch's whole sum once (to rank 0, starting the broadcast): G.
    const double message = all[2 * (dist::size() - 1)];
    const double alpha = one_way_seconds(8, 200);
    const double big = one_way_seconds(std::size_t{8} << 20, 20);
    const double beta = static_cast<double>(std::size_t{8} << 20) / std::max(big - alpha, 1e-9);
    const auto G = static_cast<std::size_t>(message);
    const int N = dist::size();
    const auto C = static_cast<std::uint32_t>(std::max(32, 4 * N));  // as train/ordered_reduce.cpp
    const double measured_exchange = exchange_seconds(G, C, 20);
    // docs/DISTRIBUTED.md: two pipelines of C messages of G / C bytes through N ranks.
    const double predicted = 2.0 * (N - 1 + C - 1) * (alpha + static_cast<double>(G) / C / beta);
    std::printf("latency_us=%.2f bandwidth_gbs=%.2f message_mb=%.2f\n", alpha * 1e6, beta / 1e9, static_cast<double>(G) / 1e6);
    std::printf("exchange_ms measured %.2f predicted %.2f (ratio %.2f)\n", measured_exchange * 1e3, predicted * 1e3,
                measured_exchange / predicted);
  }
  dist::finalize();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_bench: %s\n", e.what());
  treerec::dist::abort_job(1);
  return 1;
}
