#include "treerec/util/hash.h"
#include "treerec/model/parameters.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>

#include "treerec/util/error.h"
#include "treerec/util/parallel.h"
#include "treerec/util/random.h"

namespace treerec {

namespace {
constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
constexpr std::size_t kMinCapacity = 64;

std::size_t hash_row(std::uint32_t row, std::size_t mask) {
  return static_cast<std::size_t>((row * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}
}  // namespace

std::size_t Parameters::add_dense(std::string name, std::vector<std::uint32_t> shape) {
  for (const auto& s : slices) TR_CHECK(s.name != name, "duplicate parameter ", name);
  const std::size_t size = std::accumulate(shape.begin(), shape.end(), std::size_t{1},
                                           std::multiplies<std::size_t>());
  const std::size_t offset = dense.size();
  slices.push_back({std::move(name), offset, size, std::move(shape)});
  dense.resize(offset + size, 0.0f);
  return offset;
}

std::size_t Parameters::add_table(std::string name, std::uint64_t rows, std::uint32_t dim) {
  for (const auto& t : tables) TR_CHECK(t.name != name, "duplicate embedding table ", name);
  TR_CHECK(rows < kEmpty, "embedding table ", name, " has ", rows, " rows; at most ", kEmpty - 1,
           " are supported");
  tables.push_back({std::move(name), rows, dim, HugeVector<float>(rows * dim, 0.0f)});
  return tables.size() - 1;
}

const DenseSlice& Parameters::slice(const std::string& name) const {
  for (const auto& s : slices)
    if (s.name == name) return s;
  fail("model has no parameter named '", name, "'");
}

std::size_t Parameters::table_index(const std::string& name) const {
  for (std::size_t t = 0; t < tables.size(); ++t)
    if (tables[t].name == name) return t;
  fail("model has no embedding table named '", name, "'");
}

SparseRows::SparseRows(std::uint32_t dim) : dim_(dim) {}

std::size_t SparseRows::probe(std::uint32_t row) const {
  const std::size_t mask = entries_.size() - 1;
  std::size_t h = hash_row(row, mask);
  while (entries_[h].key != row && entries_[h].key != kEmpty) h = (h + 1) & mask;
  return h;
}

void SparseRows::grow() {
  const std::size_t capacity = std::max(kMinCapacity, entries_.size() * 2);
  entries_.assign(capacity, Entry{kEmpty, 0});
  for (std::size_t i = 0; i < rows_.size(); ++i) entries_[probe(rows_[i])] = {rows_[i], static_cast<std::uint32_t>(i)};
}

float* SparseRows::row(std::uint32_t row) {
  // Load factor at most 1/2 keeps linear probing short.
  if (2 * (rows_.size() + 1) > entries_.size()) grow();
  const std::size_t h = probe(row);
  if (entries_[h].key == row) return values_.data() + std::size_t{entries_[h].slot} * dim_;
  TR_CHECK(row != kEmpty, "row id ", row, " is reserved");
  entries_[h] = {row, static_cast<std::uint32_t>(rows_.size())};
  rows_.push_back(row);
  values_.resize(values_.size() + dim_, 0.0f);
  return values_.data() + values_.size() - dim_;
}

void SparseRows::add(std::uint32_t r, const float* g, float scale) {
  float* dst = row(r);
  for (std::uint32_t k = 0; k < dim_; ++k) dst[k] += scale * g[k];
}

void SparseRows::prefetch(std::uint32_t r) const {
  if (entries_.empty()) return;
  __builtin_prefetch(entries_.data() + hash_row(r, entries_.size() - 1));
}

void SparseRows::add(const SparseRows& other) {
  TR_CHECK(other.dim_ == dim_, "gradient dims differ: ", other.dim_, " vs ", dim_);
  constexpr std::size_t kAhead = 8;  // the rows hash to scattered slots: fetch ahead
  for (std::size_t i = 0; i < other.size(); ++i) {
    if (i + kAhead < other.size()) prefetch(other.rows_[i + kAhead]);
    add(other.rows_[i], other.values(i));
  }
}

const float* SparseRows::find(std::uint32_t r) const {
  if (entries_.empty()) return nullptr;
  const std::size_t h = probe(r);
  return entries_[h].key == r ? values_.data() + std::size_t{entries_[h].slot} * dim_ : nullptr;
}

void SparseRows::clear() {
  if (rows_.size() * 4 < entries_.size()) {
    // Reverse insertion order keeps every remaining key's probe path intact.
    for (std::size_t i = rows_.size(); i-- > 0;) entries_[probe(rows_[i])].key = kEmpty;
  } else {
    std::fill(entries_.begin(), entries_.end(), Entry{kEmpty, 0});
  }
  rows_.clear();
  values_.clear();
}

Gradients Gradients::like(const Parameters& params) {
  Gradients g;
  g.dense.assign(params.dense.size(), 0.0f);
  for (const auto& t : params.tables) g.tables.emplace_back(t.dim);
  return g;
}

void Gradients::clear() {
  std::fill(dense.begin(), dense.end(), 0.0f);
  for (auto& t : tables) t.clear();
}

void Gradients::add_in_order(std::span<const Gradients* const> parts, int threads) {
  for (const Gradients* g : parts)
    TR_CHECK(g->dense.size() == dense.size() && g->tables.size() == tables.size(),
             "gradients of different models cannot be added");
  parallel_for(tables.size() + 1, threads, 1, [&](std::size_t part) {
    for (const Gradients* g : parts) {
      if (part < tables.size()) {
        tables[part].add(g->tables[part]);
      } else {
        float* dst = dense.data();
        const float* src = g->dense.data();
        for (std::size_t k = 0; k < dense.size(); ++k) dst[k] += src[k];
      }
    }
  });
}

void Gradients::add(const Gradients& other) {
  const Gradients* part = &other;
  add_in_order(std::span<const Gradients* const>(&part, 1), 1);
}

void initialise_parameters(Parameters& params, double embedding_std, std::uint64_t seed) {
  constexpr std::uint64_t kInitBlockRows = 4096;  // embedding init streams: one per block of rows
  for (std::size_t s = 0; s < params.slices.size(); ++s) {
    const DenseSlice& slice = params.slices[s];
    float* v = params.dense.data() + slice.offset;
    const std::string& n = slice.name;
    if (n.ends_with(".w")) {
      // Xavier-uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
      Rng rng(mix_seed(seed, 1, s));
      const double a = std::sqrt(6.0 / static_cast<double>(slice.shape[0] + slice.shape[1]));
      for (std::size_t i = 0; i < slice.size; ++i) v[i] = static_cast<float>((2.0 * rng.uniform01() - 1.0) * a);
    } else if (n.ends_with(".a")) {
      std::fill(v, v + slice.size, 0.25f);  // PReLU's customary initial slope
    } else {
      std::fill(v, v + slice.size, 0.0f);
    }
  }
  for (std::size_t t = 0; t < params.tables.size(); ++t) {
    EmbeddingTable& table = params.tables[t];
    const std::uint64_t blocks = (table.rows + kInitBlockRows - 1) / kInitBlockRows;
    parallel_for(blocks, 0, 1, [&](std::size_t b) {
      Rng rng(mix_seed(seed, 2 + t, b));
      const std::uint64_t end = std::min<std::uint64_t>(table.rows, (b + 1) * kInitBlockRows);
      for (std::uint64_t i = b * kInitBlockRows * table.dim; i < end * table.dim; ++i)
        table.values[i] = static_cast<float>(rng.normal() * embedding_std);
    });
  }
}

std::uint64_t parameters_fingerprint(const Parameters& p) {
  Xxh3Stream hash;
  hash.update(p.dense.data(), p.dense.size() * sizeof(float));
  for (const EmbeddingTable& t : p.tables) hash.update(t.values.data(), t.values.size() * sizeof(float));
  return hash.digest();
}

}  // namespace treerec
