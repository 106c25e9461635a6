#include "treerec/train/adam.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "treerec/io/binary_file.h"
#include "treerec/util/error.h"
#include "treerec/util/parallel.h"

namespace treerec {

namespace {
// One coordinate's update with precomputed step size lr / (1 - b1^t) and 1 / sqrt(1 - b2^t).
struct Step {
  float b1, b2, eps, step_size, inv_sqrt_bc2;
  void apply(float& theta, float& m, float& v, float g) const {
    m = b1 * m + (1.0f - b1) * g;
    v = b2 * v + (1.0f - b2) * g * g;
    theta -= step_size * m / (std::sqrt(v) * inv_sqrt_bc2 + eps);
  }
};

// One embedding row's update. The rows never overlap (restrict), so the loop vectorises; the
// arithmetic is Step::apply's, so the result is the same as coordinate by coordinate.
void update_row(const Step& s, std::uint32_t dim, float* __restrict theta, float* __restrict m,
                float* __restrict v, const float* __restrict g) {
  const float b1 = s.b1, b2 = s.b2, c1 = 1.0f - s.b1, c2 = 1.0f - s.b2;
  for (std::uint32_t k = 0; k < dim; ++k) {
    m[k] = b1 * m[k] + c1 * g[k];
    v[k] = b2 * v[k] + c2 * g[k] * g[k];
    theta[k] -= s.step_size * m[k] / (std::sqrt(v[k]) * s.inv_sqrt_bc2 + s.eps);
  }
}

Step make_step(const AdamOptions& o, std::uint64_t t) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(o.beta1), static_cast<double>(t));
  const double bc2 = 1.0 - std::pow(static_cast<double>(o.beta2), static_cast<double>(t));
  return {o.beta1, o.beta2, o.epsilon, static_cast<float>(o.learning_rate / bc1),
          static_cast<float>(1.0 / std::sqrt(bc2))};
}

std::string name(std::string_view prefix, std::string_view part) { return cat(prefix, ".", part); }

template <typename Vector>
void read_into(const BinaryReader& reader, const std::string& section, Vector& out) {
  using T = typename Vector::value_type;
  const auto data = reader.get<T>(section);
  TR_CHECK(data.size() == out.size(), reader.path(), ": optimizer section ", section, " holds ", data.size(),
           " values, the model needs ", out.size());
  std::memcpy(out.data(), data.data(), data.size_bytes());
  reader.drop(section);
}
}  // namespace

Adam::Adam(const Parameters& params, AdamOptions options) : options_(options) {
  TR_CHECK(options_.beta1 >= 0.0f && options_.beta1 < 1.0f, "Adam beta1 must be in [0, 1), got ", options_.beta1);
  TR_CHECK(options_.beta2 >= 0.0f && options_.beta2 < 1.0f, "Adam beta2 must be in [0, 1), got ", options_.beta2);
  TR_CHECK(options_.epsilon > 0.0f, "Adam epsilon must be > 0, got ", options_.epsilon);
  set_learning_rate(options_.learning_rate);
  m_.assign(params.dense.size(), 0.0f);
  v_.assign(params.dense.size(), 0.0f);
  tables_.resize(params.tables.size());
  for (std::size_t t = 0; t < params.tables.size(); ++t) {
    tables_[t].m.assign(params.tables[t].values.size(), 0.0f);
    tables_[t].v.assign(params.tables[t].values.size(), 0.0f);
    tables_[t].rows = params.tables[t].rows;
    tables_[t].dim = params.tables[t].dim;
    if (options_.sparse_bias_correction == SparseBiasCorrection::row_step)
      tables_[t].steps.assign(params.tables[t].rows, 0);
  }
}

void Adam::set_learning_rate(float lr) {
  TR_CHECK(std::isfinite(lr) && lr > 0.0f, "the learning rate must be finite and > 0, got ", lr);
  options_.learning_rate = lr;
}

void Adam::step(Parameters& params, const Gradients& grads) {
  TR_CHECK(params.dense.size() == m_.size() && params.tables.size() == tables_.size() &&
               grads.dense.size() == m_.size() && grads.tables.size() == tables_.size(),
           "Adam was made for a model of another shape");
  // Check every row before changing anything, so a bad gradient leaves the model as it was.
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    const SparseRows& g = grads.tables[t];
    const EmbeddingTable& table = params.tables[t];
    TR_CHECK(g.dim() == table.dim, "gradient of table ", table.name, " has dim ", g.dim(), ", expected ", table.dim);
    TR_CHECK(table.values.size() == tables_[t].m.size(), "table ", table.name, " changed size since Adam was made");
    for (std::uint32_t row : g.row_ids())
      TR_CHECK(row < table.rows, "gradient row ", row, " is outside table ", table.name, " (", table.rows, " rows)");
  }
  ++step_;
  const Step dense_step = make_step(options_, step_);
  for (std::size_t i = 0; i < m_.size(); ++i) dense_step.apply(params.dense[i], m_[i], v_[i], grads.dense[i]);

  for (std::size_t t = 0; t < tables_.size(); ++t) {
    EmbeddingTable& table = params.tables[t];
    TableState& state = tables_[t];
    const SparseRows& g = grads.tables[t];
    const bool per_row = options_.sparse_bias_correction == SparseBiasCorrection::row_step;
    // Each touched row is independent of the others: any thread order gives the same result.
    // Plain loops over contiguous blocks (no call per row) let the dim-wide update vectorise.
    const std::uint32_t dim = table.dim;
    float* values = table.values.data();
    float* m = state.m.data();
    float* v = state.v.data();
    parallel_blocks(g.size(), options_.threads, [&](int, std::size_t begin, std::size_t end) {
      constexpr std::size_t kAhead = 8;  // rows are scattered: fetch a few rows ahead
      for (std::size_t i = begin; i < end; ++i) {
        if (i + kAhead < end) {
          const std::size_t ahead = std::size_t{g.row_id(i + kAhead)} * dim;
          for (float* base : {values, m, v}) {
            __builtin_prefetch(base + ahead, 1);
            __builtin_prefetch(base + ahead + dim - 1, 1);  // a row may span two cache lines
          }
        }
        const std::uint32_t row = g.row_id(i);
        const Step s = per_row ? make_step(options_, ++state.steps[row]) : dense_step;
        const std::size_t base = std::size_t{row} * dim;
        update_row(s, dim, values + base, m + base, v + base, g.values(i));
      }
    });
  }
}

void Adam::remap_table(std::size_t table, std::span<const std::int64_t> source) {
  TR_CHECK(table < tables_.size(), "the optimizer has no table ", table);
  TableState& old = tables_[table];
  const std::size_t dim = old.dim;
  TableState fresh;
  fresh.rows = source.size();
  fresh.dim = old.dim;
  fresh.m.assign(source.size() * dim, 0.0f);
  fresh.v.assign(source.size() * dim, 0.0f);
  const bool per_row = options_.sparse_bias_correction == SparseBiasCorrection::row_step;
  if (per_row) fresh.steps.assign(source.size(), 0);
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] < 0) continue;
    const auto r = static_cast<std::uint64_t>(source[i]);
    TR_CHECK(r < old.rows, "row source ", r, " is outside optimizer table ", table, " (", old.rows, " rows)");
    std::copy_n(old.m.begin() + static_cast<std::ptrdiff_t>(r * dim), dim, fresh.m.begin() + static_cast<std::ptrdiff_t>(i * dim));
    std::copy_n(old.v.begin() + static_cast<std::ptrdiff_t>(r * dim), dim, fresh.v.begin() + static_cast<std::ptrdiff_t>(i * dim));
    if (per_row) fresh.steps[i] = old.steps[r];
  }
  old = std::move(fresh);
}

void Adam::save(BinaryWriter& writer, std::string_view prefix) const {
  writer.add_json(name(prefix, "state"),
                  {{"step", step_},
                   {"learning_rate", options_.learning_rate},
                   {"beta1", options_.beta1},
                   {"beta2", options_.beta2},
                   {"epsilon", options_.epsilon},
                   {"sparse_bias_correction",
                    options_.sparse_bias_correction == SparseBiasCorrection::row_step ? "row_step" : "global_step"}});
  writer.add(name(prefix, "dense.m"), m_);
  writer.add(name(prefix, "dense.v"), v_);
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    const std::string table = cat("table", t);
    writer.add(name(prefix, table + ".m"), tables_[t].m);
    writer.add(name(prefix, table + ".v"), tables_[t].v);
    writer.add(name(prefix, table + ".steps"), tables_[t].steps);
  }
}

void Adam::load(const BinaryReader& reader, std::string_view prefix) {
  const nlohmann::json state = reader.json(name(prefix, "state"));
  try {
    step_ = state.at("step").get<std::uint64_t>();
    options_.learning_rate = state.at("learning_rate").get<float>();
    options_.beta1 = state.at("beta1").get<float>();
    options_.beta2 = state.at("beta2").get<float>();
    options_.epsilon = state.at("epsilon").get<float>();
    options_.sparse_bias_correction = state.at("sparse_bias_correction").get<std::string>() == "row_step"
                                          ? SparseBiasCorrection::row_step
                                          : SparseBiasCorrection::global_step;
  } catch (const nlohmann::json::exception& e) {
    fail(reader.path(), ": bad optimizer state: ", e.what());
  }
  read_into(reader, name(prefix, "dense.m"), m_);
  read_into(reader, name(prefix, "dense.v"), v_);
  for (std::size_t t = 0; t < tables_.size(); ++t) {
    const std::string table = cat("table", t);
    read_into(reader, name(prefix, table + ".m"), tables_[t].m);
    read_into(reader, name(prefix, table + ".v"), tables_[t].v);
    const auto steps = reader.get<std::uint32_t>(name(prefix, table + ".steps"));
    const bool per_row = options_.sparse_bias_correction == SparseBiasCorrection::row_step;
    TR_CHECK(steps.size() == (per_row ? tables_[t].rows : 0), reader.path(), ": optimizer section ", prefix,
             ".", table, ".steps holds ", steps.size(), " counts, expected ", per_row ? tables_[t].rows : 0);
    tables_[t].steps.assign(steps.begin(), steps.end());
  }
}

}  // namespace treerec
