#include "treerec/eval/intervals.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>
#include <nlohmann/json.hpp>

#include "treerec/util/error.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

nlohmann::json number_or_null(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

// Linear interpolation between the order statistics of sorted values, at position q·(n-1).
double percentile(const std::vector<double>& sorted, double q) {
  const double h = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace

double student_t_central(double t, std::uint64_t dof) {
  TR_CHECK(dof >= 1, "Student's t needs at least 1 degree of freedom");
  TR_CHECK(t >= 0, "student_t_central takes t >= 0, got ", t);
  const double theta = std::atan(t / std::sqrt(static_cast<double>(dof)));
  const double s = std::sin(theta), c = std::cos(theta), c2 = c * c;
  if (dof % 2 == 0) {  // sin θ · (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + ... up to cos^(dof-2)θ)
    double term = 1, sum = 1;
    for (std::uint64_t k = 1; 2 * k <= dof - 2; ++k) {
      term *= c2 * static_cast<double>(2 * k - 1) / static_cast<double>(2 * k);
      sum += term;
    }
    return s * sum;
  }
  // 2/π · (θ + sin θ cos θ · (1 + 2/3 cos²θ + 2·4/(3·5) cos⁴θ + ... up to cos^(dof-3)θ))
  double sum = 0;
  if (dof >= 3) {
    double term = 1;
    sum = 1;
    for (std::uint64_t k = 1; 2 * k <= dof - 3; ++k) {
      term *= c2 * static_cast<double>(2 * k) / static_cast<double>(2 * k + 1);
      sum += term;
    }
  }
  return 2 / std::numbers::pi * (theta + s * c * sum);
}

double student_t_quantile(double p, std::uint64_t dof) {
  TR_CHECK(p >= 0.5 && p < 1, "student_t_quantile takes 0.5 <= p < 1, got ", p);
  TR_CHECK(dof >= 1, "Student's t needs at least 1 degree of freedom");
  const double target = 2 * p - 1;  // P(|T| <= t)
  if (target == 0) return 0;
  double lo = 0, hi = 1;
  while (student_t_central(hi, dof) < target) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1e-12 * std::max(1.0, hi)) {
    const double mid = 0.5 * (lo + hi);
    (student_t_central(mid, dof) < target ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

nlohmann::json SeedInterval::json() const {
  const bool ok = has_interval();
  return {{"n", n},
          {"mean", number_or_null(mean)},
          {"sd", ok ? number_or_null(sd) : nlohmann::json(nullptr)},
          {"half_width", ok ? number_or_null(half_width) : nlohmann::json(nullptr)},
          {"low", ok ? number_or_null(low()) : nlohmann::json(nullptr)},
          {"high", ok ? number_or_null(high()) : nlohmann::json(nullptr)}};
}

SeedInterval seed_interval(std::span<const double> values) {
  SeedInterval r;
  r.n = values.size();
  r.mean = r.sd = r.half_width = kNaN;
  if (r.n == 0) return r;
  double sum = 0;
  for (double x : values) sum += x;
  r.mean = sum / static_cast<double>(r.n);
  if (r.n < 2) return r;
  double squares = 0;
  for (double x : values) squares += (x - r.mean) * (x - r.mean);
  r.sd = std::sqrt(squares / static_cast<double>(r.n - 1));
  r.half_width = student_t_quantile(0.975, r.n - 1) * r.sd / std::sqrt(static_cast<double>(r.n));
  return r;
}

nlohmann::json BootstrapInterval::json() const {
  return {{"n", n},
          {"resamples", resamples},
          {"mean", number_or_null(mean)},
          {"low", number_or_null(low)},
          {"high", number_or_null(high)}};
}

BootstrapInterval bootstrap_mean(std::span<const double> values, std::uint32_t resamples, std::uint64_t seed,
                                 int threads) {
  TR_CHECK(!values.empty(), "the bootstrap needs at least one value");
  TR_CHECK(resamples >= 1, "the bootstrap needs at least one resample");
  BootstrapInterval r;
  r.n = values.size();
  r.resamples = resamples;
  // Summed in the same order as every resample, so that equal values give equal means exactly.
  double sum = 0;
  for (double x : values) sum += x;
  const double n = static_cast<double>(values.size());
  r.mean = sum / n;
  std::vector<double> means(resamples);
  parallel_for(resamples, threads, 16, [&](std::size_t b) {
    Rng rng(mix_seed(seed, b));
    double s = 0;
    for (std::size_t i = 0; i < values.size(); ++i) s += values[rng.uniform(values.size())];
    means[b] = s / n;
  });
  std::sort(means.begin(), means.end());
  r.low = percentile(means, 0.025);
  r.high = percentile(means, 0.975);
  return r;
}

BootstrapInterval paired_bootstrap(std::span<const double> a, std::span<const double> b, std::uint32_t resamples,
                                   std::uint64_t seed, int threads) {
  TR_CHECK(a.size() == b.size(), "a paired bootstrap needs the same users for both methods, got ", a.size(),
           " and ", b.size(), " values");
  std::vector<double> diff(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) diff[i] = a[i] - b[i];
  return bootstrap_mean(diff, resamples, seed, threads);
}

}  // namespace treerec
