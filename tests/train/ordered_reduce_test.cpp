#include "treerec/train/ordered_reduce.h"

#include <gtest/gtest.h>

#include <cmath>
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

// The chain of ordered_reduce.h, played out in one process: each "rank" decodes the sum it
// receives, adds its block of shards in order and encodes it for the next.
std::vector<std::byte> chained(const Parameters& p, const std::vector<Gradients>& shards,
                               const std::vector<double>& losses, int ranks) {
  std::vector<std::byte> message = encode_sum(Gradients::like(p), 0.0);
  for (int r = 0; r < ranks; ++r) {
    const dist::Block b = dist::block_of(shards.size(), r, ranks);
    Gradients sum = Gradients::like(p);
    double loss = 0;
    decode_sum(message, sum, loss);
    std::vector<const Gradients*> mine;
    for (std::size_t s = b.begin; s < b.end; ++s) {
      mine.push_back(&shards[s]);
      loss += losses[s];
    }
    sum.add_in_order(mine, 2);
    message = encode_sum(sum, loss);
  }
  return message;
}

TEST(OrderedReduce, ChainAcrossRanksIsBitIdenticalToOneProcess) {
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
  const std::vector<std::byte> expected = encode_sum(one, loss);
  for (int ranks : {1, 2, 3, 5, 8, 11})  // 11 > shards: some ranks have no shard of their own
    EXPECT_EQ(chained(p, shards, losses, ranks), expected) << ranks << " ranks";

  // The order matters, so the test could fail: the two halves summed apart, then added, round
  // differently from the left-to-right sum.
  Gradients first = Gradients::like(p), second = Gradients::like(p);
  first.add_in_order(std::vector<const Gradients*>(all.begin(), all.begin() + 4), 1);
  second.add_in_order(std::vector<const Gradients*>(all.begin() + 4, all.end()), 1);
  first.add(second);
  EXPECT_NE(encode_sum(first, loss), expected);
}

TEST(OrderedReduce, DecodeRestoresRowsInFirstTouchOrder) {
  const Parameters p = shape();
  const std::vector<Gradients> shards = shard_gradients(p, 1);
  Gradients back = Gradients::like(p);
  double loss = 0;
  decode_sum(encode_sum(shards[0], 2.5), back, loss);
  EXPECT_EQ(loss, 2.5);
  EXPECT_EQ(back.dense, shards[0].dense);
  for (std::size_t t = 0; t < back.tables.size(); ++t) {
    ASSERT_EQ(back.tables[t].size(), shards[0].tables[t].size());
    for (std::size_t i = 0; i < back.tables[t].size(); ++i) {
      EXPECT_EQ(back.tables[t].row_id(i), shards[0].tables[t].row_id(i));
      for (std::uint32_t k = 0; k < back.tables[t].dim(); ++k)
        EXPECT_EQ(back.tables[t].values(i)[k], shards[0].tables[t].values(i)[k]);
    }
  }
  std::vector<std::byte> bytes = encode_sum(shards[0], 1.0);
  bytes.pop_back();
  EXPECT_THROW(decode_sum(bytes, back, loss), Error);
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
