#include "treerec/eval/metrics.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "treerec/util/error.h"

namespace treerec {

const MetricsAtCutoff& Metrics::get(std::uint32_t cutoff) const {
  for (const auto& m : at)
    if (m.cutoff == cutoff) return m;
  fail("metrics at cutoff ", cutoff, " were not measured");
}

std::string Metrics::table() const {
  std::string out;
  char line[128];
  std::snprintf(line, sizeof line, "%6s %10s %10s %10s\n", "M", "precision", "recall", "F1");
  out += line;
  for (const auto& m : at) {
    std::snprintf(line, sizeof line, "%6u %9.4f%% %9.4f%% %9.4f%%\n", m.cutoff,
                  100 * m.precision, 100 * m.recall, 100 * m.f1);
    out += line;
  }
  out += cat("users: ", users, "\n");
  return out;
}

nlohmann::json Metrics::json() const {
  nlohmann::json j;
  j["users"] = users;
  for (const auto& m : at) {
    j[cat("precision@", m.cutoff)] = m.precision;
    j[cat("recall@", m.cutoff)] = m.recall;
    j[cat("f1@", m.cutoff)] = m.f1;
  }
  return j;
}

MetricsAccumulator::MetricsAccumulator(std::vector<std::uint32_t> cutoffs)
    : cutoffs_(std::move(cutoffs)) {
  TR_CHECK(!cutoffs_.empty(), "metrics need at least one cutoff M");
  std::sort(cutoffs_.begin(), cutoffs_.end());
  TR_CHECK(cutoffs_.front() >= 1, "metric cutoffs M must be >= 1, got ", cutoffs_.front());
  TR_CHECK(std::adjacent_find(cutoffs_.begin(), cutoffs_.end()) == cutoffs_.end(),
           "metric cutoffs M must be distinct");
  precision_sum_.assign(cutoffs_.size(), 0.0);
  recall_sum_.assign(cutoffs_.size(), 0.0);
  f1_sum_.assign(cutoffs_.size(), 0.0);
}

void MetricsAccumulator::add(std::span<const std::uint32_t> ranked,
                             std::span<const std::uint32_t> truth) {
  TR_CHECK(!truth.empty(), "user number ", users_ + 1,
           " has an empty ground truth, so recall is undefined");
  truth_.assign(truth.begin(), truth.end());
  std::sort(truth_.begin(), truth_.end());
  truth_.erase(std::unique(truth_.begin(), truth_.end()), truth_.end());
  hit_.assign(truth_.size(), false);
  const double g = static_cast<double>(truth_.size());

  // Walk the ranked list once, closing each cutoff as its prefix ends.
  std::size_t hits = 0;
  std::size_t pos = 0;
  for (std::size_t c = 0; c < cutoffs_.size(); ++c) {
    const std::size_t end = std::min<std::size_t>(cutoffs_[c], ranked.size());
    for (; pos < end; ++pos) {
      const auto it = std::lower_bound(truth_.begin(), truth_.end(), ranked[pos]);
      if (it == truth_.end() || *it != ranked[pos]) continue;
      const auto i = static_cast<std::size_t>(it - truth_.begin());
      if (!hit_[i]) {
        hit_[i] = true;
        ++hits;
      }
    }
    const double precision = static_cast<double>(hits) / cutoffs_[c];
    const double recall = static_cast<double>(hits) / g;
    precision_sum_[c] += precision;
    recall_sum_[c] += recall;
    if (hits > 0) f1_sum_[c] += 2 * precision * recall / (precision + recall);
  }
  ++users_;
}

Metrics MetricsAccumulator::result() const {
  Metrics m;
  m.users = users_;
  const double n = users_ > 0 ? static_cast<double>(users_) : 1.0;
  for (std::size_t c = 0; c < cutoffs_.size(); ++c)
    m.at.push_back({cutoffs_[c], precision_sum_[c] / n, recall_sum_[c] / n, f1_sum_[c] / n});
  return m;
}

}  // namespace treerec
