#include "treerec/serve/metrics.h"

#include <charconv>
#include <cmath>

namespace treerec {

void append_metric_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

std::size_t ServeMetrics::endpoint_index(std::string_view path) {
  for (std::size_t i = 0; i + 1 < kEndpoints.size(); ++i)
    if (kEndpoints[i] == path) return i;
  return kEndpoints.size() - 1;
}

void ServeMetrics::observe(std::string_view path, int status, double seconds) {
  std::size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  std::lock_guard<std::mutex> lock(mu_);
  Endpoint& e = endpoints_[endpoint_index(path)];
  ++e.by_status[status];
  if (bucket < kBuckets.size()) ++e.buckets[bucket];
  ++e.count;
  e.sum += seconds;
}

std::uint64_t ServeMetrics::count(std::string_view path, int status) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto& m = endpoints_[endpoint_index(path)].by_status;
  const auto it = m.find(status);
  return it == m.end() ? 0 : it->second;
}

void ServeMetrics::render(std::string& out) const {
  // Copy under the lock, format outside it.
  std::array<Endpoint, kEndpoints.size()> e;
  {
    std::lock_guard<std::mutex> lock(mu_);
    e = endpoints_;
  }
  const auto label = [](std::size_t i) { return std::string("endpoint=\"") + std::string(kEndpoints[i]) + "\""; };

  out += "# HELP treerec_http_requests_total HTTP requests answered, by endpoint and status.\n";
  out += "# TYPE treerec_http_requests_total counter\n";
  for (std::size_t i = 0; i < e.size(); ++i)
    for (const auto& [status, n] : e[i].by_status)
      out += "treerec_http_requests_total{" + label(i) + ",status=\"" + std::to_string(status) + "\"} " +
             std::to_string(n) + "\n";

  out += "# HELP treerec_http_errors_total HTTP requests answered with a status of 400 or more, by endpoint.\n";
  out += "# TYPE treerec_http_errors_total counter\n";
  for (std::size_t i = 0; i < e.size(); ++i) {
    std::uint64_t errors = 0;
    for (const auto& [status, n] : e[i].by_status)
      if (status >= 400) errors += n;
    out += "treerec_http_errors_total{" + label(i) + "} " + std::to_string(errors) + "\n";
  }

  out += "# HELP treerec_http_request_duration_seconds Time from routing a request to sending its answer.\n";
  out += "# TYPE treerec_http_request_duration_seconds histogram\n";
  for (std::size_t i = 0; i < e.size(); ++i) {
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += e[i].buckets[b];
      out += "treerec_http_request_duration_seconds_bucket{" + label(i) + ",le=\"";
      append_metric_value(out, kBuckets[b]);
      out += "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "treerec_http_request_duration_seconds_bucket{" + label(i) + ",le=\"+Inf\"} " +
           std::to_string(e[i].count) + "\n";
    out += "treerec_http_request_duration_seconds_sum{" + label(i) + "} ";
    append_metric_value(out, e[i].sum);
    out += "\ntreerec_http_request_duration_seconds_count{" + label(i) + "} " + std::to_string(e[i].count) + "\n";
  }

  out += "# HELP treerec_http_requests_in_flight Recommendation requests being answered now.\n";
  out += "# TYPE treerec_http_requests_in_flight gauge\n";
  out += "treerec_http_requests_in_flight " + std::to_string(in_flight_.load()) + "\n";
  out += "# HELP treerec_reloads_total Successful model reloads.\n";
  out += "# TYPE treerec_reloads_total counter\n";
  out += "treerec_reloads_total " + std::to_string(reloads_.load()) + "\n";
  out += "# HELP treerec_reload_failures_total Failed model reloads (the previous model kept serving).\n";
  out += "# TYPE treerec_reload_failures_total counter\n";
  out += "treerec_reload_failures_total " + std::to_string(reload_failures_.load()) + "\n";
}

}  // namespace treerec
