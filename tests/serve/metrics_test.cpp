// The service's metrics: bucket boundaries (le is inclusive), cumulative buckets, per-status
// counts, the "other" endpoint, and value formatting.
#include "treerec/serve/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace treerec {
namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(ServeMetrics, CountsAndCumulativeBuckets) {
  ServeMetrics m;
  m.observe("/v1/recommend", 200, 0.001);   // exactly a bound: counted in le="0.001"
  m.observe("/v1/recommend", 200, 0.0015);  // le="0.002"
  m.observe("/v1/recommend", 422, 0.0001);  // le="5e-04"
  m.observe("/v1/recommend", 200, 100.0);   // beyond every bound: +Inf only
  m.observe("/secret/path", 404, 0.0);
  m.reload(true);
  m.reload(false);
  m.reload(false);
  EXPECT_EQ(m.count("/v1/recommend", 200), 3u);
  EXPECT_EQ(m.count("/v1/recommend", 422), 1u);
  EXPECT_EQ(m.count("/anything/else", 404), 1u);  // both are "other"

  std::string out;
  m.render(out);
  const std::string p = "treerec_http_request_duration_seconds";
  EXPECT_TRUE(has(out, p + "_bucket{endpoint=\"/v1/recommend\",le=\"5e-04\"} 1\n")) << out;
  EXPECT_TRUE(has(out, p + "_bucket{endpoint=\"/v1/recommend\",le=\"0.001\"} 2\n")) << out;
  EXPECT_TRUE(has(out, p + "_bucket{endpoint=\"/v1/recommend\",le=\"0.002\"} 3\n")) << out;
  EXPECT_TRUE(has(out, p + "_bucket{endpoint=\"/v1/recommend\",le=\"60\"} 3\n")) << out;
  EXPECT_TRUE(has(out, p + "_bucket{endpoint=\"/v1/recommend\",le=\"+Inf\"} 4\n")) << out;
  EXPECT_TRUE(has(out, p + "_count{endpoint=\"/v1/recommend\"} 4\n")) << out;
  std::string sum = p + "_sum{endpoint=\"/v1/recommend\"} ";
  append_metric_value(sum, 0.001 + 0.0015 + 0.0001 + 100.0);  // in the order observed
  EXPECT_TRUE(has(out, sum + "\n")) << out;
  EXPECT_TRUE(has(out, "treerec_http_requests_total{endpoint=\"/v1/recommend\",status=\"200\"} 3\n")) << out;
  EXPECT_TRUE(has(out, "treerec_http_requests_total{endpoint=\"other\",status=\"404\"} 1\n")) << out;
  EXPECT_TRUE(has(out, "treerec_http_errors_total{endpoint=\"/v1/recommend\"} 1\n")) << out;
  EXPECT_TRUE(has(out, "treerec_http_errors_total{endpoint=\"/healthz\"} 0\n")) << out;
  EXPECT_TRUE(has(out, "treerec_reloads_total 1\n")) << out;
  EXPECT_TRUE(has(out, "treerec_reload_failures_total 2\n")) << out;
  EXPECT_FALSE(has(out, "secret")) << out;
  EXPECT_TRUE(has(out, "# TYPE " + p + " histogram\n")) << out;
}

TEST(ServeMetrics, Values) {
  std::string s;
  append_metric_value(s, 0.25);
  s += ' ';
  append_metric_value(s, INFINITY);
  s += ' ';
  append_metric_value(s, -INFINITY);
  s += ' ';
  append_metric_value(s, NAN);
  s += ' ';
  append_metric_value(s, 1700000000.5);
  EXPECT_EQ(s, "0.25 +Inf -Inf NaN 1700000000.5");
}

}  // namespace
}  // namespace treerec
