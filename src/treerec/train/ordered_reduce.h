// The batch gradient across the ranks of an mpirun job (docs/DISTRIBUTED.md), bit-identical to
// one process's. One process adds a batch's shard gradients left to right; here each rank holds
// a contiguous block of the shards, and the sum travels along the ranks: rank r receives the sum
// of the shards before its block from rank r - 1, adds its own shards in order and passes it on.
// The sum is cut into `buckets` parts (a slice of the dense block and the table rows whose id
// hashes there), which follow each other down the chain, so the ranks work on different parts at
// once (a pipeline: about 2 G / bandwidth for a sum of G bytes, whatever the number of ranks).
// The last rank's parts then travel the same way to every rank. Each row's value is its left-to-
// right sum over the shards, as in one process, so every rank takes the same Adam step as one
// process would (the order of the rows differs, and lazy Adam updates rows independently).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "treerec/model/parameters.h"

namespace treerec {

// One rank's block of shards, cut into buckets.
class ShardBuckets {
 public:
  ShardBuckets(std::span<const Gradients* const> shards, std::span<const double> losses, std::uint32_t buckets);
  std::uint32_t buckets() const { return buckets_; }
  // Bucket k of the sum: `prefix` (the previous rank's message for bucket k; empty on the first
  // rank) plus this block's shards, in order. The message for the next rank.
  std::vector<std::byte> add_to(std::uint32_t k, std::span<const std::byte> prefix) const;

 private:
  std::span<const Gradients* const> shards_;
  std::span<const double> losses_;
  std::uint32_t buckets_;
  // rows_[(s * tables + t) * buckets + k]: indices into shard s's table t rows that fall in bucket k.
  std::vector<std::vector<std::uint32_t>> rows_;
};

// Adds bucket k's message to `sum` (whose rows of bucket k are untouched so far) and `loss`.
void absorb_bucket(std::span<const std::byte> message, std::uint32_t k, std::uint32_t buckets, Gradients& sum,
                   double& loss);

// The bucket of a table row (a multiplicative hash of its id).
std::uint32_t bucket_of_row(std::uint32_t row, std::uint32_t buckets);

// Under mpirun: the sum over every rank's block (`mine`, in shard order, with its losses) into
// `sum` (cleared first) and `loss`, the same on every rank. Buckets: max(32, 4 x ranks).
void sum_over_ranks(std::span<const Gradients* const> mine, std::span<const double> losses, Gradients& sum,
                    double& loss);

}  // namespace treerec
