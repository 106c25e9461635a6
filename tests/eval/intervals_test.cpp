// The report's 95 % intervals: Student's t over seeds against hand computations and table
// values, the percentile bootstrap over users against cases with a known answer and against
// the normal approximation on a large sample.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>
#include <nlohmann/json.hpp>

#include "treerec/eval/intervals.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

TEST(Intervals, StudentTQuantilesMatchClosedFormsAndTables) {
  // One and two degrees of freedom have closed forms: tan(0.475 π), and sqrt(2)·p'/sqrt(1-p'²)
  // with p' = 0.95 (the t CDF with 2 dof is 1/2 + t / (2 sqrt(2 + t²))).
  EXPECT_NEAR(student_t_quantile(0.975, 1), std::tan(0.475 * std::numbers::pi), 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 2), std::sqrt(2.0) * 0.95 / std::sqrt(1 - 0.95 * 0.95), 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.302653, 1e-6);
  // Printed tables (t_{0.975}).
  EXPECT_NEAR(student_t_quantile(0.975, 3), 3.182446, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 4), 2.776445, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 9), 2.262157, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 29), 2.045230, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.95, 5), 2.015048, 1e-6);
  EXPECT_NEAR(student_t_quantile(0.975, 100000), 1.959987, 1e-4);  // the normal's 1.959964 in the limit
  EXPECT_DOUBLE_EQ(student_t_quantile(0.5, 7), 0.0);
  // The central probability itself, with 1 dof: 2 atan(t) / π.
  EXPECT_NEAR(student_t_central(1.0, 1), 0.5, 1e-15);
  EXPECT_THROW(student_t_quantile(0.975, 0), Error);
  EXPECT_THROW(student_t_quantile(1.0, 3), Error);
}

TEST(Intervals, SeedIntervalByHand) {
  const std::vector<double> three = {1, 2, 3};  // mean 2, sd 1
  const SeedInterval a = seed_interval(three);
  EXPECT_EQ(a.n, 3u);
  EXPECT_DOUBLE_EQ(a.mean, 2);
  EXPECT_DOUBLE_EQ(a.sd, 1);
  EXPECT_NEAR(a.half_width, 4.302653 / std::sqrt(3.0), 1e-6);
  EXPECT_NEAR(a.half_width, 2.484138, 1e-6);
  EXPECT_NEAR(a.low(), 2 - 2.484138, 1e-6);
  EXPECT_NEAR(a.high(), 2 + 2.484138, 1e-6);
  const std::vector<double> two = {1, 3};  // sd sqrt(2): the half width is t_{0.975,1} itself
  EXPECT_NEAR(seed_interval(two).half_width, 12.706205, 1e-6);

  const std::vector<double> one = {0.25};
  const SeedInterval b = seed_interval(one);
  EXPECT_FALSE(b.has_interval());
  EXPECT_DOUBLE_EQ(b.mean, 0.25);
  EXPECT_TRUE(b.json()["half_width"].is_null());
  EXPECT_EQ(b.json()["mean"], 0.25);
  EXPECT_TRUE(std::isnan(seed_interval({}).mean));
}

TEST(Bootstrap, ConstantDifferencesGiveAZeroWidthInterval) {
  std::vector<double> base(37), shifted(37);
  for (std::size_t i = 0; i < base.size(); ++i) {
    base[i] = static_cast<double>(i % 5) / 64;  // exact in binary, so a - b is exactly 0.125
    shifted[i] = base[i] + 0.125;
  }
  const BootstrapInterval d = paired_bootstrap(shifted, base, 2000, 9);
  EXPECT_EQ(d.mean, 0.125);
  EXPECT_EQ(d.low, 0.125);
  EXPECT_EQ(d.high, 0.125);
  EXPECT_FALSE(d.contains_zero());
  // A constant that is not exact in binary still gives equal means in every resample.
  const std::vector<double> tenths(53, 0.1);
  const BootstrapInterval t = bootstrap_mean(tenths, 500, 1);
  EXPECT_EQ(t.low, t.high);
  EXPECT_EQ(t.low, t.mean);
  EXPECT_NEAR(t.mean, 0.1, 1e-15);
}

TEST(Bootstrap, IdenticalMethodsGiveZero) {
  std::vector<double> a(100);
  Rng rng(4);
  for (double& x : a) x = rng.uniform01();
  const BootstrapInterval d = paired_bootstrap(a, a);
  EXPECT_EQ(d.mean, 0.0);
  EXPECT_EQ(d.low, 0.0);
  EXPECT_EQ(d.high, 0.0);
  EXPECT_TRUE(d.contains_zero());
  EXPECT_EQ(d.resamples, kBootstrapResamples);
  EXPECT_EQ(d.n, 100u);
}

TEST(Bootstrap, TwoValuesGiveTheirExtremes) {
  // Resampling {0, 1} twice gives means 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4: the 2.5 and
  // 97.5 percentiles of 10,000 resampled means are 0 and 1, the mean 0.5.
  const std::vector<double> v = {0, 1};
  const BootstrapInterval b = bootstrap_mean(v);
  EXPECT_EQ(b.mean, 0.5);
  EXPECT_EQ(b.low, 0.0);
  EXPECT_EQ(b.high, 1.0);
}

TEST(Bootstrap, LargeSampleMatchesTheNormalApproximation) {
  // For a large sample the bootstrap interval of the mean is mean ± 1.96 sd / sqrt(n).
  const std::size_t n = 4000;
  std::vector<double> a(n), b(n);
  Rng rng(11);
  for (std::size_t i = 0; i < n; ++i) {
    b[i] = rng.uniform01();
    a[i] = b[i] + 0.02 + 0.1 * rng.normal();  // paired: differences of mean 0.02, sd 0.1
  }
  std::vector<double> d(n);
  double mean = 0;
  for (std::size_t i = 0; i < n; ++i) mean += (d[i] = a[i] - b[i]);
  mean /= static_cast<double>(n);
  double sq = 0;
  for (double x : d) sq += (x - mean) * (x - mean);
  const double half = 1.959964 * std::sqrt(sq / static_cast<double>(n - 1)) / std::sqrt(static_cast<double>(n));
  const BootstrapInterval r = paired_bootstrap(a, b, kBootstrapResamples, 5);
  EXPECT_NEAR(r.mean, mean, 1e-12);
  EXPECT_NEAR(r.low, mean - half, 0.05 * half);
  EXPECT_NEAR(r.high, mean + half, 0.05 * half);
  EXPECT_FALSE(r.contains_zero());  // 0.02 is about 12 standard errors from 0
}

TEST(Bootstrap, SameSeedSameIntervalWhateverTheThreads) {
  std::vector<double> v(250);
  Rng rng(8);
  for (double& x : v) x = rng.uniform01();
  const BootstrapInterval a = bootstrap_mean(v, 3000, 17, 1);
  const BootstrapInterval b = bootstrap_mean(v, 3000, 17, 2);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  const BootstrapInterval c = bootstrap_mean(v, 3000, 18, 1);
  EXPECT_NE(a.low, c.low);                    // another seed, other resamples
  EXPECT_NEAR(a.low, c.low, 0.01);            // ... and nearly the same interval
  EXPECT_LT(a.low, a.mean);
  EXPECT_GT(a.high, a.mean);
  EXPECT_EQ(a.json()["resamples"], 3000);
}

TEST(Bootstrap, RejectsEmptyAndUnpairedInput) {
  const std::vector<double> none, one = {1.0}, two = {1.0, 2.0};
  EXPECT_THROW(bootstrap_mean(none), Error);
  EXPECT_THROW(paired_bootstrap(one, two), Error);
}

}  // namespace
}  // namespace treerec
