// Adam (ALGORITHMS §5: lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8) for the dense parameters, and lazy
// (sparse) Adam for embedding rows: only the rows a batch touched change, in value and in
// moments; every other row stays bit-identical.
//
// Update of one coordinate with gradient g at step t (Kingma & Ba, in torch's arrangement):
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
//   θ -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
// Bias correction of embedding rows: by default t is the GLOBAL step count, as torch's
// SparseAdam and TensorFlow's LazyAdam do (the reference implementations). Then a row first
// touched late gets corrections of about 1 and a first update of (1 - b1) g / sqrt((1 - b2) g^2)
// ≈ 3.16 lr. `row_step` instead counts each row's own updates, so every row's first update is
// about lr, like a dense parameter's; it costs a u32 per row.
//
// The learning-rate decay of ALGORITHMS §5 (x0.9 after every epoch) is the trainer's: it calls
// decay_learning_rate(0.9).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "treerec/model/parameters.h"

namespace treerec {

class BinaryReader;
class BinaryWriter;

enum class SparseBiasCorrection { global_step, row_step };

struct AdamOptions {
  float learning_rate = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
  SparseBiasCorrection sparse_bias_correction = SparseBiasCorrection::global_step;
  int threads = 0;  // for the embedding-row updates; 0 = the default pool size
};

class Adam {
 public:
  // Zero moments shaped like `params`. Throws Error for options out of range.
  explicit Adam(const Parameters& params, AdamOptions options = {});

  // One step with `grads` (shaped like params, e.g. the reduced per-thread gradients).
  // Deterministic: each coordinate's update depends only on its own state.
  void step(Parameters& params, const Gradients& grads);

  float learning_rate() const { return options_.learning_rate; }
  void set_learning_rate(float lr);
  // lr *= factor (ALGORITHMS §5: 0.9 after every epoch).
  void decay_learning_rate(float factor) { set_learning_rate(options_.learning_rate * factor); }
  std::uint64_t steps() const { return step_; }
  const AdamOptions& options() const { return options_; }

  // Follows PreferenceModel::remap_table: new row i takes the moments (and step count) of old
  // row source[i], or zeros where source[i] < 0.
  void remap_table(std::size_t table, std::span<const std::int64_t> source);

  // Checkpoints: sections "<prefix>.state" (JSON), "<prefix>.dense.m/.v" and
  // "<prefix>.table<t>.m/.v/.steps". load() requires the same parameter shapes.
  void save(BinaryWriter& writer, std::string_view prefix = "adam") const;
  void load(const BinaryReader& reader, std::string_view prefix = "adam");

 private:
  struct TableState {
    HugeVector<float> m, v;  // the tables' shapes, on huge pages like the tables
    std::vector<std::uint32_t> steps;  // per row; only with SparseBiasCorrection::row_step
    std::uint64_t rows = 0;
    std::uint32_t dim = 0;
  };
  AdamOptions options_;
  std::uint64_t step_ = 0;
  std::vector<float> m_, v_;
  std::vector<TableState> tables_;
};

}  // namespace treerec
