// A naive double-precision re-implementation of both preference models, written straight
// from ALGORITHMS §4 without any of the production code's tricks (no shared user block, no GEMMs,
// no pair matrices): the plain 11E-wide concatenation through every layer, one row at a time.
// Tests compare the models' logits with it and their analytic gradients with its central
// finite differences.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "treerec/model/model_batch.h"
#include "treerec/model/preference_model.h"
#include "treerec/model/time_windows.h"

namespace treerec::test {

struct ReferenceModel {
  ModelConfig config;
  std::vector<DenseSlice> slices;
  std::vector<double> dense;
  std::vector<std::vector<double>> tables;  // behaviour, node

  explicit ReferenceModel(const PreferenceModel& model) : config(model.config()) {
    const Parameters& p = model.parameters();
    slices = p.slices;
    dense.assign(p.dense.begin(), p.dense.end());
    for (const auto& t : p.tables) tables.emplace_back(t.values.begin(), t.values.end());
  }

  const double* param(const std::string& name) const {
    for (const auto& s : slices)
      if (s.name == name) return dense.data() + s.offset;
    ADD_FAILURE() << "no parameter " << name;
    return nullptr;
  }

  static double prelu(double a, double alpha) { return a > 0 ? a : alpha * a; }

  // Scalar attention weight of behaviour embedding e for node embedding v.
  double attention(const double* e, const double* v) const {
    const std::size_t E = config.embedding_dim, Ha = config.attention_hidden;
    const double *w = param("att.w"), *b = param("att.b"), *al = param("att.a");
    const double *wo = param("att_out.w"), *bo = param("att_out.b");
    std::vector<double> in(3 * E);
    for (std::size_t k = 0; k < E; ++k) {
      in[k] = e[k];
      in[E + k] = e[k] * v[k];
      in[2 * E + k] = v[k];
    }
    double out = bo[0];
    for (std::size_t j = 0; j < Ha; ++j) {
      double a = b[j];
      for (std::size_t k = 0; k < 3 * E; ++k) a += w[j * 3 * E + k] * in[k];
      out += wo[j] * prelu(a, al[j]);
    }
    return out;
  }

  double logit(const ModelBatch& batch, std::size_t g, std::size_t r) const {
    const std::size_t E = config.embedding_dim;
    const auto feats = batch.group_features(g);
    const double* v = tables[1].data() + std::size_t{batch.nodes[r]} * E;
    std::vector<double> x(11 * E, 0.0);
    for (std::uint32_t w = 0; w < 10; ++w) {
      const std::uint32_t n = TimeWindows::count(w, feats.size());
      for (std::uint32_t i = TimeWindows::kStarts[w]; i < TimeWindows::kStarts[w] + n; ++i) {
        const double* e = tables[0].data() + std::size_t{feats[i]} * E;
        const double a = config.kind == "attention" ? attention(e, v) : 1.0;
        for (std::size_t k = 0; k < E; ++k) x[w * E + k] += a * e[k] / n;
      }
    }
    for (std::size_t k = 0; k < E; ++k) x[10 * E + k] = v[k];
    for (std::size_t layer = 1; layer <= config.hidden.size(); ++layer) {
      const std::string l = std::to_string(layer);
      const double *W = param("fc" + l + ".w"), *b = param("fc" + l + ".b"), *al = param("prelu" + l + ".a");
      std::vector<double> h(config.hidden[layer - 1]);
      for (std::size_t j = 0; j < h.size(); ++j) {
        double a = b[j];
        for (std::size_t k = 0; k < x.size(); ++k) a += W[j * x.size() + k] * x[k];
        h[j] = prelu(a, al[j]);
      }
      x = h;
    }
    const double *W = param("out.w"), *b = param("out.b");
    double z0 = b[0], z1 = b[1];
    for (std::size_t k = 0; k < x.size(); ++k) {
      z0 += W[k] * x[k];
      z1 += W[x.size() + k] * x[k];
    }
    return z1 - z0;
  }

  std::vector<double> logits(const ModelBatch& batch) const {
    std::vector<double> out(batch.num_rows());
    for (std::size_t g = 0; g < batch.num_groups(); ++g)
      for (std::uint64_t r = batch.row_offsets[g]; r < batch.row_offsets[g + 1]; ++r) out[r] = logit(batch, g, r);
    return out;
  }

  // L = sum_r c_r logit_r.
  double loss(const ModelBatch& batch, const std::vector<double>& c) const {
    const auto l = logits(batch);
    double sum = 0;
    for (std::size_t r = 0; r < l.size(); ++r) sum += c[r] * l[r];
    return sum;
  }

  // Central difference of loss() in one coordinate.
  double numeric(const ModelBatch& batch, const std::vector<double>& c, double& x, double h = 1e-6) {
    const double saved = x;
    x = saved + h;
    const double plus = loss(batch, c);
    x = saved - h;
    const double minus = loss(batch, c);
    x = saved;
    return (plus - minus) / (2 * h);
  }
};

}  // namespace treerec::test
