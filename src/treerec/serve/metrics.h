// The retrieval service's metrics in the Prometheus text exposition format (version 0.0.4):
// requests by endpoint and status, errors (status >= 400) by endpoint, a latency histogram per
// endpoint with fixed buckets, requests in flight, reloads and failed reloads. The model's
// version is added by the server at render time (server.cpp). Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace treerec {

class ServeMetrics {
 public:
  // Endpoint labels; any other path is counted as "other" so that a scan of random paths cannot
  // grow the label set.
  static constexpr std::array<std::string_view, 6> kEndpoints = {
      "/v1/recommend", "/v1/recommend/batch", "/healthz", "/metrics", "/admin/reload", "other"};
  // Upper bounds of the latency buckets in seconds (+Inf is implied).
  static constexpr std::array<double, 16> kBuckets = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1,
                                                      0.2,    0.5,   1,     2,     5,    10,   30,   60};

  // Counts one answered request.
  void observe(std::string_view path, int status, double seconds);
  void reload(bool ok) { (ok ? reloads_ : reload_failures_).fetch_add(1, std::memory_order_relaxed); }
  std::atomic<std::int64_t>& in_flight() { return in_flight_; }

  // Appends every metric family (HELP, TYPE and samples) to `out`.
  void render(std::string& out) const;

  // Total requests counted for `path` with `status` (tests).
  std::uint64_t count(std::string_view path, int status) const;

 private:
  static std::size_t endpoint_index(std::string_view path);
  struct Endpoint {
    std::map<int, std::uint64_t> by_status;
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // non-cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::array<Endpoint, kEndpoints.size()> endpoints_;
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::uint64_t> reloads_{0};
  std::atomic<std::uint64_t> reload_failures_{0};
};

// Appends `v` as Prometheus writes a sample value (shortest round-trip decimal; +Inf, -Inf, NaN).
void append_metric_value(std::string& out, double v);

}  // namespace treerec
