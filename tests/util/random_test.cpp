// Every seeded result in treerec (splits, negatives, initialisation, generated data) rests on
// these generators, so their outputs are pinned. The expected values come from the published
// reference outputs of SplitMix64 and xoshiro256** and from an independent Python
// transcription of the two algorithms (checked against those references), not from this code.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <vector>

#include "treerec/util/random.h"

namespace treerec {
namespace {

TEST(Random, SplitMix64MatchesTheReference) {
  std::uint64_t x = 0;
  EXPECT_EQ(splitmix64(x), 0xe220a8397b1dcdafull);
  EXPECT_EQ(splitmix64(x), 0x6e789e6aa1b965f4ull);
  EXPECT_EQ(splitmix64(x), 0x06c45d188009454full);
}

TEST(Random, SeededStreamsArePinned) {
  Rng rng(1);  // xoshiro256** over the four SplitMix64 outputs of seed 1
  EXPECT_EQ(rng.next(), 0xb3f2af6d0fc710c5ull);
  EXPECT_EQ(rng.next(), 0x853b559647364ceaull);
  EXPECT_EQ(rng.next(), 0x92f89756082a4514ull);
  EXPECT_EQ(mix_seed(1, 2, 3), 0x64877ab60c457ef3ull);
  EXPECT_EQ(mix_seed(1, 2), 0xc50f2c2a1b329d4bull);

  Rng r42(42);
  std::vector<std::uint64_t> draws;
  for (int i = 0; i < 5; ++i) draws.push_back(r42.uniform(1000));
  EXPECT_EQ(draws, (std::vector<std::uint64_t>{83, 378, 680, 924, 991}));

  std::vector<int> v(10);
  std::iota(v.begin(), v.end(), 0);
  Rng r7(7);
  shuffle(v.begin(), v.end(), r7);
  EXPECT_EQ(v, (std::vector<int>{1, 8, 3, 0, 4, 5, 9, 6, 2, 7}));
}

TEST(Random, SameSeedSameSequenceOtherSeedOther) {
  Rng a(123), b(123), c(124);
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differ += x != c.next();
  }
  EXPECT_EQ(differ, 100);
  b.reseed(123);
  a.reseed(123);
  EXPECT_EQ(a.uniform01(), b.uniform01());
}

TEST(Random, UniformIsUnbiasedAndInRange) {
  // n = 3 does not divide 2^64, so without rejection the low values would be favoured; the
  // counts of 300,000 draws must sit within 5 standard deviations (about 1,300) of 100,000.
  Rng rng(5);
  std::array<int, 3> counts{};
  for (int i = 0; i < 300000; ++i) {
    const std::uint64_t x = rng.uniform(3);
    ASSERT_LT(x, 3u);
    ++counts[x];
  }
  for (int c : counts) EXPECT_NEAR(c, 100000, 1300);
  double lo = 1, hi = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = rng.uniform01();
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  EXPECT_GE(lo, 0.0);
  EXPECT_LT(hi, 1.0);
  EXPECT_LT(lo, 1e-3);
  EXPECT_GT(hi, 1 - 1e-3);
}

TEST(Random, ShuffleIsAPermutation) {
  std::vector<int> v(1000);
  std::iota(v.begin(), v.end(), 0);
  Rng rng(9);
  shuffle(v.begin(), v.end(), rng);
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(sorted[i], i);
  EXPECT_FALSE(std::is_sorted(v.begin(), v.end()));
}

}  // namespace
}  // namespace treerec
