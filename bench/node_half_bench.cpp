// Would precomputing the node half of the first layer per node (W1n v, 128 floats a node) make
// beam search faster? Per query, in the search's shapes at search_bench's size (2.4M nodes,
// 14 scored levels of 400 rows, sibling pairs adjacent, rows in node order), one thread:
//   A: gather the rows' 24-float embeddings, then the 400x24 by 24x128 product (treerec::sgemm);
//   B: gather the rows' precomputed 128 floats from a 2.4M x 128 table and add them.
// Prints the mean time per query of each, after a warm-up (docs/BENCHMARKS.md, beam search).
//
//   build/node_half_bench [--nodes 2400000] [--queries 300]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "treerec/util/blas.h"
#include "treerec/util/huge_pages.h"

int main(int argc, char** argv) {
  std::size_t nodes = 2400000, queries = 300;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--nodes") nodes = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--queries") queries = std::strtoull(argv[i + 1], nullptr, 10);
    else {
      std::fprintf(stderr, "usage: node_half_bench [--nodes N] [--queries Q]\n");
      return 2;
    }
  }
  if (nodes < 1000 || queries < 1) {
    std::fprintf(stderr, "node_half_bench: --nodes must be >= 1000 and --queries >= 1\n");
    return 2;
  }
  constexpr std::size_t E = 24, H = 128, kRows = 400, kLevels = 14;
  treerec::HugeVector<float> embeddings(nodes * E), precomputed(nodes * H);
  std::vector<float> w1n(H * E), gathered(kRows * E), out(kRows * H, 0.0f);
  std::mt19937_64 rng(1);
  for (auto& x : embeddings) x = static_cast<float>(rng() % 1000) * 1e-3f;
  for (auto& x : w1n) x = static_cast<float>(rng() % 1000) * 1e-3f;
  for (std::size_t i = 0; i < precomputed.size(); ++i) precomputed[i] = static_cast<float>(i % 997) * 1e-3f;
  std::vector<std::size_t> ids(kRows);
  double gemm = 0, table = 0, sink = 0;
  using Clock = std::chrono::steady_clock;
  for (std::size_t q = 0; q < 2 * queries; ++q) {  // the first `queries` warm up
    for (std::size_t l = 0; l < kLevels; ++l) {
      for (std::size_t r = 0; r < kRows; r += 2) {  // the two children of a beam node
        const std::size_t parent = rng() % (nodes / 2 - 1);
        ids[r] = 2 * parent + 1;
        ids[r + 1] = 2 * parent + 2;
      }
      std::sort(ids.begin(), ids.end());
      const auto t0 = Clock::now();
      for (std::size_t r = 0; r < kRows; ++r) std::memcpy(&gathered[r * E], &embeddings[ids[r] * E], E * sizeof(float));
      treerec::sgemm(false, true, kRows, H, E, 1.0f, gathered.data(), E, w1n.data(), E, 1.0f, out.data(), H);
      const auto t1 = Clock::now();
      for (std::size_t r = 0; r < kRows; ++r) {
        const float* row = &precomputed[ids[r] * H];
        float* o = &out[r * H];
        for (std::size_t k = 0; k < H; ++k) o[k] += row[k];
      }
      const auto t2 = Clock::now();
      if (q >= queries) {
        gemm += std::chrono::duration<double>(t1 - t0).count();
        table += std::chrono::duration<double>(t2 - t1).count();
      }
      sink += out[7];
    }
  }
  std::printf("per query (%zu levels x %zu rows, %zu nodes): gather + GEMM %.3f ms, gather + add precomputed %.3f ms "
              "(%.0f MB table; checksum %g)\n",
              kLevels, kRows, nodes, 1e3 * gemm / static_cast<double>(queries),
              1e3 * table / static_cast<double>(queries), static_cast<double>(nodes * H * 4) / 1e6, sink);
  return 0;
}
