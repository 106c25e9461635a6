#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "treerec/util/parallel.h"

namespace treerec {
namespace {

// The blocks parallel_blocks hands out for (n, threads), in thread order.
std::vector<std::pair<std::size_t, std::size_t>> blocks(std::size_t n, int threads) {
  std::vector<std::pair<std::size_t, std::size_t>> out(static_cast<std::size_t>(threads), {0, 0});
  parallel_blocks(n, threads, [&](int t, std::size_t b, std::size_t e) { out[static_cast<std::size_t>(t)] = {b, e}; });
  return out;
}

TEST(Parallel, BlocksAreContiguousInOrderAndTheSameEveryRun) {
  for (std::size_t n : {0u, 1u, 7u, 1000u}) {
    for (int threads : {1, 2, 3}) {
      const auto first = blocks(n, threads);
      for (int run = 0; run < 5; ++run) EXPECT_EQ(blocks(n, threads), first) << n << " " << threads;
      std::size_t next = 0;
      for (const auto& [b, e] : first) {
        if (b == e) continue;
        EXPECT_EQ(b, next);
        EXPECT_LT(b, e);
        next = e;
      }
      EXPECT_EQ(next, n);
    }
  }
}

TEST(Parallel, ForVisitsEveryIndexOnce) {
  std::vector<std::atomic<int>> hits(10007);
  parallel_for(hits.size(), 2, 64, [&](std::size_t i) { hits[i].fetch_add(1); });
  for (const auto& h : hits) ASSERT_EQ(h.load(), 1);
}

TEST(Parallel, PerBlockSumsInThreadOrderGiveTheSameFloatEveryRun) {
  // The reproducibility recipe of the library: partial sums per block, added in block order.
  std::vector<float> x(100003);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 1.0f / static_cast<float>(i + 1);
  auto sum = [&] {
    std::vector<float> part(2, 0.0f);
    parallel_blocks(x.size(), 2, [&](int t, std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) part[static_cast<std::size_t>(t)] += x[i];
    });
    return part[0] + part[1];
  };
  const float first = sum();
  for (int run = 0; run < 20; ++run) EXPECT_EQ(sum(), first);
}

TEST(Parallel, AWorkersExceptionReachesTheCaller) {
  EXPECT_THROW(parallel_for(1000, 2, 1,
                            [](std::size_t i) {
                              if (i == 777) throw std::runtime_error("boom");
                            }),
               std::runtime_error);
  EXPECT_THROW(parallel_blocks(10, 2,
                               [](int t, std::size_t, std::size_t) {
                                 if (t == 1) throw std::runtime_error("boom");
                               }),
               std::runtime_error);
}

}  // namespace
}  // namespace treerec
