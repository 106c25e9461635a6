#include "treerec/train/ordered_reduce.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "treerec/util/distributed.h"
#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

// A model with 300 dense values and two tables; shard s touches a random tenth of the rows
// with values of very different magnitudes, so a sum in another order rounds differently.
Parameters shape() {
  Parameters p;
  p.add_dense("fc.w", {30, 10});
  p.add_table("a", 500, 8);
  p.add_table("b", 100, 4);
  return p;
}

std::vector<Gradients> shard_gradients(const Parameters& p, int shards) {
  std::vector<Gradients> g;
  for (int s = 0; s < shards; ++s) {
    Rng rng(mix_seed(7, static_cast<std::uint64_t>(s)));
    Gradients x = Gradients::like(p);
    for (float& v : x.dense) v = static_cast<float>(rng.normal() * std::pow(10.0, static_cast<double>(rng.uniform(8))) * 1e-4);
    for (std::size_t t = 0; t < x.tables.size(); ++t) {
      std::vector<float> row(x.tables[t].dim());
      for (std::uint64_t k = 0; k < p.tables[t].rows / 10; ++k) {
        for (float& v : row) v = static_cast<float>(rng.normal() * std::pow(10.0, static_cast<double>(rng.uniform(6))) * 1e-3);
        x.tables[t].add(static_cast<std::uint32_t>(rng.uniform(p.tables[t].rows)), row.data());
      }
    }
    g.push_back(std::move(x));
  }
  return g;
}

// Rows of every table as (table, id, values), sorted: equal sums up to the order of rows.
std::vector<std::tuple<std::size_t, std::uint32_t, std::vector<float>>> rows_of(const Gradients& g) {
  std::vector<std::tuple<std::size_t, std::uint32_t, std::vector<float>>> out;
  for (std::size_t t = 0; t < g.tables.size(); ++t)
    for (std::size_t i = 0; i < g.tables[t].size(); ++i)
      out.emplace_back(t, g.tables[t].row_id(i),
                       std::vector<float>(g.tables[t].values(i), g.tables[t].values(i) + g.tables[t].dim()));
  std::sort(out.begin(), out.end());
  return out;
}

// sum_over_ranks's chain played out in one process: bucket by bucket, each "rank" adds its block
// of shards to the previous rank's message; the last rank's messages make the sum.
Gradients chained(const Parameters& p, const std::vector<Gradients>& shards, const std::vector<double>& losses,
                  int ranks, std::uint32_t buckets, double& loss) {
  std::vector<std::vector<std::byte>> messages(buckets);
  for (int r = 0; r < ranks; ++r) {
    const dist::Block b = dist::block_of(shards.size(), r, ranks);
    if (b.size() == 0) continue;  // passes its predecessor's messages on
    std::vector<const Gradients*> mine;
    for (std::size_t s = b.begin; s < b.end; ++s) mine.push_back(&shards[s]);
    const ShardBuckets own(mine, std::span<const double>(losses).subspan(b.begin, b.size()), buckets);
    for (std::uint32_t k = 0; k < buckets; ++k) messages[k] = own.add_to(k, messages[k]);
  }
  Gradients sum = Gradients::like(p);
  for (std::uint32_t k = 0; k < buckets; ++k) absorb_bucket(messages[k], k, buckets, sum, loss);
  return sum;
}

TEST(OrderedReduce, ChainAcrossRanksEqualsOneProcessBitForBit) {
  const Parameters p = shape();
  const std::vector<Gradients> shards = shard_gradients(p, 8);
  std::vector<double> losses;
  for (int s = 0; s < 8; ++s) losses.push_back(1.0 / (3.0 + s) * std::pow(10.0, s % 4));
  Gradients one = Gradients::like(p);
  std::vector<const Gradients*> all;
  double loss = 0;
  for (std::size_t s = 0; s < shards.size(); ++s) {
    all.push_back(&shards[s]);
    loss += losses[s];
  }
  one.add_in_order(all, 1);
  for (int ranks : {1, 2, 3, 5, 8, 11})  // 11 > shards: some ranks have no shard of their own
    for (std::uint32_t buckets : {1u, 7u, 32u, 400u}) {  // 400 > dense slices and rows: empty buckets
      double got = -1;
      const Gradients sum = chained(p, shards, losses, ranks, buckets, got);
      EXPECT_EQ(got, loss) << ranks << " ranks, " << buckets << " buckets";
      EXPECT_EQ(sum.dense, one.dense) << ranks << " ranks, " << buckets << " buckets";
      EXPECT_EQ(rows_of(sum), rows_of(one)) << ranks << " ranks, " << buckets << " buckets";
    }

  // The order matters, so the test could fail: the two halves summed apart, then added, round
  // differently from the left-to-right sum.
  Gradients first = Gradients::like(p), second = Gradients::like(p);
  first.add_in_order(std::vector<const Gradients*>(all.begin(), all.begin() + 4), 1);
  second.add_in_order(std::vector<const Gradients*>(all.begin() + 4, all.end()), 1);
  first.add(second);
  EXPECT_NE(first.dense, one.dense);
  EXPECT_NE(rows_of(first), rows_of(one));
}

TEST(OrderedReduce, BucketsSpreadRowsAndRejectBadMessages) {
  std::vector<int> count(32, 0);
  for (std::uint32_t row = 0; row < 32000; ++row) ++count[bucket_of_row(row, 32)];
  for (int c : count) EXPECT_NEAR(c, 1000, 150);
  const Parameters p = shape();
  const std::vector<Gradients> shards = shard_gradients(p, 1);
  const std::vector<double> losses{1.0};
  const std::vector<const Gradients*> mine{&shards[0]};
  const ShardBuckets own(mine, losses, 4);
  std::vector<std::byte> msg = own.add_to(2, {});
  Gradients sum = Gradients::like(p);
  double loss = 0;
  EXPECT_THROW(absorb_bucket(msg, 1, 4, sum, loss), Error);  // rows of bucket 2 read as bucket 1
  msg.pop_back();
  EXPECT_THROW(absorb_bucket(msg, 2, 4, sum, loss), Error);  // truncated
}

TEST(Distributed, BlocksCoverEverythingInOrder) {
  for (std::size_t n : {0u, 1u, 7u, 64u, 1001u})
    for (int ranks : {1, 2, 3, 8}) {
      std::size_t next = 0, smallest = n, largest = 0;
      for (int r = 0; r < ranks; ++r) {
        const dist::Block b = dist::block_of(n, r, ranks);
        EXPECT_EQ(b.begin, next);
        next = b.end;
        smallest = std::min(smallest, b.size());
        largest = std::max(largest, b.size());
      }
      EXPECT_EQ(next, n);
      EXPECT_LE(largest - smallest, 1u);
      EXPECT_GE(dist::block_of(n, 0, ranks).size(), dist::block_of(n, ranks - 1, ranks).size());
    }
  // One process: every collective is the identity.
  EXPECT_EQ(dist::size(), 1);
  const std::vector<int> mine{4, 5, 6};
  EXPECT_EQ(dist::allgather<int>(mine), mine);
  EXPECT_NO_THROW(dist::check_same(42, "inputs"));
}

}  // namespace
}  // namespace treerec
