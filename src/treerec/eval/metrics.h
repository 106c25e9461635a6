// Retrieval quality (ALGORITHMS §10). For each evaluation user with retrieved list P (the first M
// items of one ranked list) and ground truth G:
//   precision@M = |P ∩ G| / M,  recall@M = |P ∩ G| / |G|,
//   F@M = 2·precision·recall / (precision + recall), 0 when both are 0;
// the report is the mean of each over users, at every cutoff M (default 10, 50, 100, 200),
// all from one ranked list per user (prefixes of it).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace treerec {

inline const std::vector<std::uint32_t> kDefaultCutoffs{10, 50, 100, 200};

struct MetricsAtCutoff {
  std::uint32_t cutoff = 0;  // M
  double precision = 0;      // means over users, as fractions in [0, 1]
  double recall = 0;
  double f1 = 0;
};

struct Metrics {
  std::uint64_t users = 0;
  std::vector<MetricsAtCutoff> at;  // increasing cutoffs

  // The entry for cutoff M; throws Error if M was not measured.
  const MetricsAtCutoff& get(std::uint32_t cutoff) const;
  // A text table, one row per cutoff, values in percent, e.g.
  //     M  precision     recall         F1
  //    10    1.2345%    2.3456%    1.6175%
  std::string table() const;
  // {"users": n, "precision@10": ..., "recall@10": ..., "f1@10": ..., ...} with fractions.
  nlohmann::json json() const;
};

// Adds users one at a time; the means are sums over users divided by their number, so the
// result is reproducible when users are added in a fixed order.
class MetricsAccumulator {
 public:
  // Cutoffs must be distinct and >= 1; they are kept sorted.
  explicit MetricsAccumulator(std::vector<std::uint32_t> cutoffs = kDefaultCutoffs);

  // One user: `ranked` best first (any length; only its first M items count at cutoff M);
  // `truth` the ground-truth items, in any order (duplicates count once), not empty.
  // precision@M divides by M even when fewer than M items were retrieved (ALGORITHMS §10 takes
  // |P| = M: a short list is a retrieval failure, not a smaller denominator). An item repeated
  // in `ranked` counts once.
  void add(std::span<const std::uint32_t> ranked, std::span<const std::uint32_t> truth);

  std::uint64_t users() const { return users_; }
  Metrics result() const;

 private:
  std::vector<std::uint32_t> cutoffs_;
  std::uint64_t users_ = 0;
  std::vector<double> precision_sum_, recall_sum_, f1_sum_;
  std::vector<std::uint32_t> truth_;  // scratch: sorted distinct truth
  std::vector<bool> hit_;             // scratch: truth items already matched
};

}  // namespace treerec
