#include "treerec/train/ordered_reduce.h"

#include <algorithm>
#include <cstring>

#include "treerec/util/distributed.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

template <class T>
void put(std::vector<std::byte>& out, const T* values, std::size_t count) {
  const std::size_t at = out.size();
  out.resize(at + count * sizeof(T));
  if (count > 0) std::memcpy(out.data() + at, values, count * sizeof(T));
}

struct Reader {
  std::span<const std::byte> in;
  std::size_t at = 0;
  template <class T>
  void get(T* values, std::size_t count) {
    TR_CHECK(at + count * sizeof(T) <= in.size(), "a gradient message is shorter than its contents");
    if (count > 0) std::memcpy(values, in.data() + at, count * sizeof(T));
    at += count * sizeof(T);
  }
};

dist::Block dense_slice(std::size_t dense, std::uint32_t k, std::uint32_t buckets) {
  return dist::block_of(dense, static_cast<int>(k), static_cast<int>(buckets));
}

// Message of one bucket: loss (bucket 0 only), the dense slice, then per table: row count, ids,
// values (dim floats per row).
struct Bucket {
  double loss = 0;
  std::vector<float> dense;
  std::vector<SparseRows> tables;
};

void decode(std::span<const std::byte> in, std::uint32_t k, std::size_t dense, Bucket& b) {
  Reader r{in};
  b.loss = 0;
  if (k == 0) r.get(&b.loss, 1);
  b.dense.assign(dense, 0.0f);
  r.get(b.dense.data(), dense);
  std::vector<std::uint32_t> ids;
  std::vector<float> values;
  for (SparseRows& rows : b.tables) {
    rows.clear();
    std::uint64_t count = 0;
    r.get(&count, 1);
    const std::uint32_t dim = rows.dim();
    ids.resize(count);
    values.resize(count * dim);
    r.get(ids.data(), ids.size());
    r.get(values.data(), values.size());
    for (std::size_t i = 0; i < count; ++i) rows.add(ids[i], values.data() + i * dim);
  }
  TR_CHECK(r.at == in.size(), "a gradient message is longer than its contents");
}

std::vector<std::byte> encode(const Bucket& b, std::uint32_t k) {
  std::vector<std::byte> out;
  if (k == 0) put(out, &b.loss, 1);
  put(out, b.dense.data(), b.dense.size());
  for (const SparseRows& rows : b.tables) {
    const std::uint64_t count = rows.size();
    put(out, &count, 1);
    put(out, rows.row_ids().data(), rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) put(out, rows.values(i), rows.dim());
  }
  return out;
}

Bucket empty_bucket(const Gradients& shape) {
  Bucket b;
  for (const SparseRows& t : shape.tables) b.tables.emplace_back(t.dim());
  return b;
}

}  // namespace

std::uint32_t bucket_of_row(std::uint32_t row, std::uint32_t buckets) {
  return static_cast<std::uint32_t>((std::uint64_t{row * 0x9E3779B1u} * buckets) >> 32);
}

ShardBuckets::ShardBuckets(std::span<const Gradients* const> shards, std::span<const double> losses,
                           std::uint32_t buckets)
    : shards_(shards), losses_(losses), buckets_(buckets) {
  TR_CHECK(buckets >= 1 && shards.size() == losses.size(), "ShardBuckets: bad arguments");
  const std::size_t tables = shards.empty() ? 0 : shards[0]->tables.size();
  rows_.resize(shards.size() * tables * buckets);
  for (std::size_t s = 0; s < shards.size(); ++s)
    for (std::size_t t = 0; t < tables; ++t) {
      const SparseRows& rows = shards[s]->tables[t];
      for (std::size_t i = 0; i < rows.size(); ++i)
        rows_[(s * tables + t) * buckets + bucket_of_row(rows.row_id(i), buckets)].push_back(static_cast<std::uint32_t>(i));
    }
}

std::vector<std::byte> ShardBuckets::add_to(std::uint32_t k, std::span<const std::byte> prefix) const {
  TR_CHECK(!shards_.empty(), "ShardBuckets::add_to needs shards: a rank without any passes the prefix on");
  const dist::Block d = dense_slice(shards_[0]->dense.size(), k, buckets_);
  Bucket b = empty_bucket(*shards_[0]);
  if (!prefix.empty()) {
    decode(prefix, k, d.size(), b);
  } else {
    b.dense.assign(d.size(), 0.0f);
  }
  const std::size_t tables = shards_[0]->tables.size();
  for (std::size_t s = 0; s < shards_.size(); ++s) {  // left to right, as one process adds them
    if (k == 0) b.loss += losses_[s];
    const float* src = shards_[s]->dense.data() + d.begin;
    for (std::size_t i = 0; i < d.size(); ++i) b.dense[i] += src[i];
    for (std::size_t t = 0; t < tables; ++t) {
      const SparseRows& rows = shards_[s]->tables[t];
      for (std::uint32_t i : rows_[(s * tables + t) * buckets_ + k]) b.tables[t].add(rows.row_id(i), rows.values(i));
    }
  }
  return encode(b, k);
}

void absorb_bucket(std::span<const std::byte> message, std::uint32_t k, std::uint32_t buckets, Gradients& sum,
                   double& loss) {
  const dist::Block d = dense_slice(sum.dense.size(), k, buckets);
  Bucket b = empty_bucket(sum);
  decode(message, k, d.size(), b);
  if (k == 0) loss = b.loss;
  std::copy(b.dense.begin(), b.dense.end(), sum.dense.begin() + static_cast<std::ptrdiff_t>(d.begin));
  for (std::size_t t = 0; t < sum.tables.size(); ++t)
    for (std::size_t i = 0; i < b.tables[t].size(); ++i) {
      TR_CHECK(bucket_of_row(b.tables[t].row_id(i), buckets) == k, "a gradient row arrived in the wrong bucket");
      sum.tables[t].add(b.tables[t].row_id(i), b.tables[t].values(i));
    }
}

void sum_over_ranks(std::span<const Gradients* const> mine, std::span<const double> losses, Gradients& sum,
                    double& loss) {
  const int ranks = dist::size(), me = dist::rank(), last = ranks - 1;
  const auto buckets = static_cast<std::uint32_t>(std::max(32, 4 * ranks));
  const ShardBuckets own(mine, losses, buckets);
  sum.clear();
  loss = 0;
  // Reduce: down the chain 0 -> last, bucket by bucket.
  std::vector<std::vector<std::byte>> done(me == last ? buckets : 0);
  for (std::uint32_t k = 0; k < buckets; ++k) {
    std::vector<std::byte> msg;
    if (me > 0) msg = dist::receive(me - 1);
    if (!mine.empty()) msg = own.add_to(k, msg);
    if (me < last) {
      dist::send(msg, me + 1);
    } else {
      done[k] = std::move(msg);
    }
  }
  // Broadcast: the last rank's buckets travel last -> 0 -> 1 -> ... -> last - 1.
  const int from = me == 0 ? last : me - 1, to = me == last ? 0 : (me + 1 < last ? me + 1 : -1);
  for (std::uint32_t k = 0; k < buckets; ++k) {
    std::vector<std::byte> msg = me == last ? std::move(done[k]) : dist::receive(from);
    if (to >= 0) dist::send(msg, to);
    absorb_bucket(msg, k, buckets, sum, loss);
  }
}

}  // namespace treerec
