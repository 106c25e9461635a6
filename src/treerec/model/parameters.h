// The learned state of a preference model and its gradients (ALGORITHMS §4, §5).
//
// Dense parameters (weights, biases, PReLU slopes) live in ONE contiguous float buffer, cut
// into named slices, so that reducing per-thread gradients and the Adam step are single loops
// over one array. Embedding tables are row-major `rows x dim` float arrays; their gradients
// are sparse: only the rows a batch touched, each with its accumulated gradient, so that a
// batch costs nothing for the millions of rows it did not use and lazy Adam knows exactly
// which rows to update.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "treerec/util/huge_pages.h"

namespace treerec {

// A named, shaped part of the dense buffer (e.g. "fc1.w", shape {128, 264}: out x in).
struct DenseSlice {
  std::string name;
  std::size_t offset = 0;
  std::size_t size = 0;
  std::vector<std::uint32_t> shape;
};

// An embedding table: row r is values[r * dim, (r + 1) * dim).
struct EmbeddingTable {
  std::string name;
  std::uint64_t rows = 0;
  std::uint32_t dim = 0;
  HugeVector<float> values;  // huge pages: rows are read and updated at random

  float* row(std::uint64_t r) { return values.data() + r * dim; }
  const float* row(std::uint64_t r) const { return values.data() + r * dim; }
};

struct Parameters {
  std::vector<float> dense;
  std::vector<DenseSlice> slices;
  std::vector<EmbeddingTable> tables;

  // Appends a zero-filled slice; returns its offset in `dense`. Names must be unique.
  std::size_t add_dense(std::string name, std::vector<std::uint32_t> shape);
  // Appends a zero-filled table; returns its index in `tables`.
  std::size_t add_table(std::string name, std::uint64_t rows, std::uint32_t dim);
  // The slice or table with this name; throws Error if absent.
  const DenseSlice& slice(const std::string& name) const;
  std::size_t table_index(const std::string& name) const;
};

// XXH3-64 of every parameter value (dense, then each table): equal for equal models, whatever
// their files record besides (timings, paths).
std::uint64_t parameters_fingerprint(const Parameters& p);

// The accumulated gradient of the rows of one table that a batch touched. Rows are kept in
// order of first touch; an open-addressing hash maps a row id to its slot. clear() forgets the
// rows but keeps every buffer, so a reused object does not allocate in steady state.
class SparseRows {
 public:
  explicit SparseRows(std::uint32_t dim = 0);

  std::uint32_t dim() const { return dim_; }
  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  // The i-th touched row id and its gradient (dim floats).
  std::uint32_t row_id(std::size_t i) const { return rows_[i]; }
  const float* values(std::size_t i) const { return values_.data() + i * dim_; }
  std::span<const std::uint32_t> row_ids() const { return rows_; }

  // The gradient accumulator of `row`: zero on its first touch since clear().
  float* row(std::uint32_t row);
  // Adds g (dim floats) times `scale` to the gradient of `row`.
  void add(std::uint32_t row, const float* g, float scale = 1.0f);
  // this += other, visiting other's rows in their order (deterministic).
  void add(const SparseRows& other);
  // A hint that `row` is touched soon: starts fetching its hash slot (no effect on values).
  void prefetch(std::uint32_t row) const;
  // The gradient of `row`, or nullptr if untouched.
  const float* find(std::uint32_t row) const;
  void clear();

 private:
  std::size_t probe(std::uint32_t row) const;
  void grow();
  std::uint32_t dim_;
  std::vector<std::uint32_t> rows_;
  std::vector<float> values_;
  // Hash: entries_[h].key is a row id or kEmpty, entries_[h].slot its index in rows_. Key and
  // slot share a cache line, so a lookup costs one miss.
  struct Entry {
    std::uint32_t key, slot;
  };
  std::vector<Entry> entries_;
};

// The gradient of every parameter: `dense` has the layout of Parameters::dense, `tables[t]`
// belongs to Parameters::tables[t]. Backward passes ADD into it, so one object can
// accumulate several batches; clear() starts over without releasing memory.
struct Gradients {
  std::vector<float> dense;
  std::vector<SparseRows> tables;

  // Zero gradients shaped like `params`.
  static Gradients like(const Parameters& params);
  void clear();
  // this += other (same shape). Reducing per-thread gradients in thread order is
  // deterministic for a fixed thread count.
  void add(const Gradients& other);
  // this += parts[0] + parts[1] + ..., in that order, with each table and the dense block
  // reduced whole by one of `threads` threads: every sum is the serial one, so the result does
  // not depend on the thread count (the trainers' per-shard gradients).
  void add_in_order(std::span<const Gradients* const> parts, int threads);
};

// The seeded start every model uses: dense slices named "*.w" Xavier-uniform, "*.a" (PReLU
// slopes) 0.25, every other slice 0; embedding rows N(0, embedding_std^2). Each slice and each
// block of table rows has its own stream, so the result depends on neither the thread count
// nor the order of initialisation.
void initialise_parameters(Parameters& params, double embedding_std, std::uint64_t seed);

}  // namespace treerec
