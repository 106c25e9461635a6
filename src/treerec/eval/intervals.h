// How much of a measured difference is noise: the 95 % intervals of the experiment's report
// (docs/EXPERIMENTS.md, "Intervals").
//
// Over seeds: a method trained with n seeds gives n values of a metric x_1..x_n; the report
// shows their mean m and the Student's t interval
//   m ± t_{0.975, n-1} · s / sqrt(n),   s² = Σ (x_i - m)² / (n - 1),
// e.g. {1, 2, 3}: 2 ± 4.302653 · 1 / sqrt(3) = 2 ± 2.484. One seed gives no interval.
//
// Over users: the evaluation users are a sample too. bootstrap_mean() resamples the users with
// replacement B times and takes the 2.5 and 97.5 percentiles of the B resampled means;
// paired_bootstrap() does the same for the per-user differences of two methods measured on the
// same users (each user keeps both of its values), so the interval is that of the mean
// difference, not of two separate means.
#pragma once

#include <cstdint>
#include <span>

#include <nlohmann/json_fwd.hpp>

namespace treerec {

// P(|T| <= t) for Student's t with `dof` >= 1 degrees of freedom, t >= 0 (the finite
// trigonometric series for integer degrees of freedom, Abramowitz and Stegun §26.7).
double student_t_central(double t, std::uint64_t dof);
// The quantile t_{p, dof}: P(T <= t) = p, for 0.5 <= p < 1 and dof >= 1 (bisection on
// student_t_central to within 1e-12). t_{0.975, 2} = 4.302653, t_{0.975, 1} = 12.706205.
double student_t_quantile(double p, std::uint64_t dof);

// Mean and 95 % Student's t interval of values over seeds.
struct SeedInterval {
  std::size_t n = 0;        // number of values
  double mean = 0;          // NaN when n == 0
  double sd = 0;            // sample standard deviation (n - 1); NaN when n < 2
  double half_width = 0;    // t_{0.975, n-1} · sd / sqrt(n); NaN when n < 2 (no interval)

  bool has_interval() const { return n >= 2; }
  double low() const { return mean - half_width; }
  double high() const { return mean + half_width; }
  // {"n", "mean", "sd", "half_width", "low", "high"}; the last four null without an interval.
  nlohmann::json json() const;
};
SeedInterval seed_interval(std::span<const double> values);

// The mean of a sample and the percentile bootstrap interval of that mean.
struct BootstrapInterval {
  std::size_t n = 0;              // values (users)
  std::uint32_t resamples = 0;    // B
  double mean = 0;                // the sample's own mean (NaN when n == 0)
  double low = 0, high = 0;       // 2.5 and 97.5 percentiles of the B resampled means

  bool contains_zero() const { return low <= 0 && 0 <= high; }
  nlohmann::json json() const;    // {"n", "resamples", "mean", "low", "high"}
};

inline constexpr std::uint32_t kBootstrapResamples = 10000;
inline constexpr std::uint64_t kBootstrapSeed = 20240601;

// Resample b (b = 0..B-1) draws n values uniformly with replacement from Rng(mix_seed(seed, b))
// (util/random.h) and takes their mean; the percentiles interpolate linearly between the sorted
// resampled means (position q·(B-1)). A pure function of its arguments, whatever the number of
// threads. Needs at least one value and B >= 1.
BootstrapInterval bootstrap_mean(std::span<const double> values, std::uint32_t resamples = kBootstrapResamples,
                                 std::uint64_t seed = kBootstrapSeed, int threads = 0);
// bootstrap_mean of a[i] - b[i]: the paired difference of two methods on the same users (in
// the same order). a and b must have the same, non-zero size.
BootstrapInterval paired_bootstrap(std::span<const double> a, std::span<const double> b,
                                   std::uint32_t resamples = kBootstrapResamples, std::uint64_t seed = kBootstrapSeed,
                                   int threads = 0);

}  // namespace treerec
