#include "treerec/model/attention_model.h"

#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "treerec/model/layers.h"
#include "treerec/model/time_windows.h"

namespace treerec {

struct AttentionModel::State final : ModelState {
  std::vector<std::uint64_t> pair_start;  // R + 1: row r's pairs are [pair_start[r], pair_start[r+1])
  std::vector<float> B, V, X1, Q, D, Z, Hh, att, X;
  MlpTower::Buffers tower;
  std::vector<float> dX, datt, dZ, dD, dQ, dX1, dB, dV;
};

AttentionModel::AttentionModel(const ModelConfig& config) : PreferenceModel(config) {
  const std::uint32_t E = config_.embedding_dim, Ha = config_.attention_hidden;
  w_ = params_.add_dense("att.w", {Ha, 3 * E});
  b_ = params_.add_dense("att.b", {Ha});
  alpha_ = params_.add_dense("att.a", {Ha});
  out_w_ = params_.add_dense("att_out.w", {1, Ha});
  out_b_ = params_.add_dense("att_out.b", {1});
  tower_ = MlpTower(params_, (TimeWindows::kCount + 1) * E, config_.hidden);
}

void AttentionModel::on_initialised() { params_.dense[out_b_] = 1.0f; }

std::unique_ptr<ModelState> AttentionModel::make_state() const { return std::make_unique<State>(); }

void AttentionModel::forward(const ModelBatch& batch, ModelState& state_base, std::span<float> logits) const {
  check_batch(batch, logits.size());
  auto* st = dynamic_cast<State*>(&state_base);
  TR_CHECK(st != nullptr, "the state was not made by an attention model");
  const std::size_t G = batch.num_groups(), R = batch.num_rows(), S = batch.features.size();
  const std::uint32_t E = config_.embedding_dim, Ha = config_.attention_hidden, H1 = tower_.first_width();
  const std::size_t E3 = 3 * std::size_t{E}, in = tower_.input_dim();
  const float* dense = params_.dense.data();
  const float* wa = dense + w_;

  st->pair_start.resize(R + 1);
  st->pair_start[0] = 0;
  for (std::size_t g = 0; g < G; ++g)
    for (std::uint64_t r = batch.row_offsets[g]; r < batch.row_offsets[g + 1]; ++r)
      st->pair_start[r + 1] = st->pair_start[r] + (batch.feature_offsets[g + 1] - batch.feature_offsets[g]);
  const std::size_t T = st->pair_start[R];

  float* B = ensure(st->B, S * E);
  float* V = ensure(st->V, R * E);
  float* X1 = ensure(st->X1, S * Ha);
  float* Q = ensure(st->Q, R * Ha);
  float* D = ensure(st->D, T * E);
  float* Z = ensure(st->Z, T * Ha);
  float* Hh = ensure(st->Hh, T * Ha);
  float* att = ensure(st->att, T);
  float* X = ensure(st->X, R * in);
  st->tower.reserve(tower_, R);

  const EmbeddingTable& behaviours = params_.tables[kBehaviorTable];
  const EmbeddingTable& nodes = params_.tables[kNodeTable];
  for (std::size_t s = 0; s < S; ++s) std::memcpy(B + s * E, behaviours.row(batch.features[s]), E * sizeof(float));
  for (std::size_t r = 0; r < R; ++r) std::memcpy(V + r * E, nodes.row(batch.nodes[r]), E * sizeof(float));
  fc_forward(S, E, Ha, B, E, wa, E3, dense + b_, X1, Ha);           // node-independent part
  fc_forward(R, E, Ha, V, E, wa + 2 * E, E3, nullptr, Q, Ha);      // behaviour-independent part
  for (std::size_t g = 0; g < G; ++g) {
    const std::uint64_t f0 = batch.feature_offsets[g], n = batch.feature_offsets[g + 1] - f0;
    for (std::uint64_t r = batch.row_offsets[g]; r < batch.row_offsets[g + 1]; ++r) {
      const float* v = V + r * E;
      for (std::uint64_t i = 0; i < n; ++i) {
        const std::size_t p = st->pair_start[r] + i;
        const float* e = B + (f0 + i) * E;
        for (std::uint32_t k = 0; k < E; ++k) D[p * E + k] = e[k] * v[k];
        const float* x1 = X1 + (f0 + i) * Ha;
        const float* q = Q + r * Ha;
        for (std::uint32_t j = 0; j < Ha; ++j) Z[p * Ha + j] = x1[j] + q[j];
      }
    }
  }
  fc_forward(T, E, Ha, D, E, wa + E, E3, nullptr, Z, Ha, /*accumulate=*/true);  // the product term
  prelu_forward(T, Ha, Z, dense + alpha_, Hh);
  std::fill(att, att + T, dense[out_b_]);
  if (T > 0)
    cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(T), static_cast<blasint>(Ha), 1.0f, Hh,
                static_cast<blasint>(Ha), dense + out_w_, 1, 1.0f, att, 1);

  // Attention-weighted window means, then the node embedding: the 11E-wide input row.
  for (std::size_t g = 0; g < G; ++g) {
    const std::uint64_t f0 = batch.feature_offsets[g], n = batch.feature_offsets[g + 1] - f0;
    for (std::uint64_t r = batch.row_offsets[g]; r < batch.row_offsets[g + 1]; ++r) {
      float* x = X + r * in;
      std::fill(x, x + TimeWindows::kCount * E, 0.0f);
      for (std::uint32_t w = 0; w < TimeWindows::kCount; ++w) {
        const std::uint32_t cnt = TimeWindows::count(w, n);
        if (cnt == 0) break;
        const float inv = 1.0f / static_cast<float>(cnt);
        float* xw = x + w * E;
        for (std::uint32_t i = TimeWindows::kStarts[w]; i < TimeWindows::kStarts[w] + cnt; ++i) {
          const float a = att[st->pair_start[r] + i] * inv;
          const float* e = B + (f0 + i) * E;
          for (std::uint32_t k = 0; k < E; ++k) xw[k] += a * e[k];
        }
      }
      std::memcpy(x + TimeWindows::kCount * E, V + r * E, E * sizeof(float));
    }
  }
  fc_forward(R, in, H1, X, in, dense + tower_.w1(), in, dense + tower_.b1(), st->tower.A0(), H1);
  tower_.forward(dense, R, st->tower, logits.data());
}

void AttentionModel::backward(const ModelBatch& batch, ModelState& state_base, std::span<const float> dlogits,
                              Gradients& grads) const {
  check_batch(batch, dlogits.size());
  auto* st = dynamic_cast<State*>(&state_base);
  TR_CHECK(st != nullptr, "the state was not made by an attention model");
  TR_CHECK(grads.dense.size() == params_.dense.size() && grads.tables.size() == params_.tables.size(),
           "the gradients were not made by this model");
  const std::size_t G = batch.num_groups(), R = batch.num_rows(), S = batch.features.size();
  const std::uint32_t E = config_.embedding_dim, Ha = config_.attention_hidden, H1 = tower_.first_width();
  const std::size_t E3 = 3 * std::size_t{E}, in = tower_.input_dim(), U = TimeWindows::kCount * E;
  const std::size_t T = st->pair_start[R];
  const float* dense = params_.dense.data();
  const float* wa = dense + w_;
  float* gdense = grads.dense.data();
  const float *B = st->B.data(), *V = st->V.data(), *att = st->att.data();

  tower_.backward(dense, R, st->tower, dlogits.data(), gdense);
  float* dX = ensure(st->dX, R * in);
  fc_backward(R, in, H1, st->X.data(), in, dense + tower_.w1(), in, st->tower.dA0(), H1, gdense + tower_.w1(),
              in, gdense + tower_.b1(), dX, in);

  float* datt = ensure(st->datt, T);
  float* dB = ensure(st->dB, S * E);
  float* dV = ensure(st->dV, R * E);
  std::fill(dB, dB + S * E, 0.0f);
  for (std::size_t g = 0; g < G; ++g) {
    const std::uint64_t f0 = batch.feature_offsets[g], n = batch.feature_offsets[g + 1] - f0;
    for (std::uint64_t r = batch.row_offsets[g]; r < batch.row_offsets[g + 1]; ++r) {
      const float* dx = dX + r * in;
      std::memcpy(dV + r * E, dx + U, E * sizeof(float));
      for (std::uint32_t w = 0; w < TimeWindows::kCount; ++w) {
        const std::uint32_t cnt = TimeWindows::count(w, n);
        if (cnt == 0) break;
        const float inv = 1.0f / static_cast<float>(cnt);
        const float* dxw = dx + w * E;
        for (std::uint32_t i = TimeWindows::kStarts[w]; i < TimeWindows::kStarts[w] + cnt; ++i) {
          const std::size_t p = st->pair_start[r] + i;
          const float* e = B + (f0 + i) * E;
          float* de = dB + (f0 + i) * E;
          float dot = 0.0f;
          for (std::uint32_t k = 0; k < E; ++k) dot += dxw[k] * e[k];
          datt[p] = dot * inv;
          const float a = att[p] * inv;
          for (std::uint32_t k = 0; k < E; ++k) de[k] += a * dxw[k];
        }
      }
    }
  }

  // att = Hh w_o + b_o.
  float* dZ = ensure(st->dZ, T * Ha);
  if (T > 0) {
    cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<blasint>(T), static_cast<blasint>(Ha), 1.0f,
                st->Hh.data(), static_cast<blasint>(Ha), datt, 1, 1.0f, gdense + out_w_, 1);
    const float* wo = dense + out_w_;
    float sum = 0.0f;
    for (std::size_t p = 0; p < T; ++p) {
      sum += datt[p];
      for (std::uint32_t j = 0; j < Ha; ++j) dZ[p * Ha + j] = datt[p] * wo[j];
    }
    gdense[out_b_] += sum;
  }
  prelu_backward(T, Ha, st->Z.data(), dense + alpha_, dZ, gdense + alpha_);

  // Z = X1[behaviour] + Q[row] + D Wa_p^T with D = e * v.
  float* dD = ensure(st->dD, T * E);
  fc_backward(T, E, Ha, st->D.data(), E, wa + E, E3, dZ, Ha, gdense + w_ + E, E3, nullptr, dD, E);
  float* dQ = ensure(st->dQ, R * Ha);
  float* dX1 = ensure(st->dX1, S * Ha);
  std::fill(dQ, dQ + R * Ha, 0.0f);
  std::fill(dX1, dX1 + S * Ha, 0.0f);
  for (std::size_t g = 0; g < G; ++g) {
    const std::uint64_t f0 = batch.feature_offsets[g], n = batch.feature_offsets[g + 1] - f0;
    for (std::uint64_t r = batch.row_offsets[g]; r < batch.row_offsets[g + 1]; ++r) {
      const float* v = V + r * E;
      float* dv = dV + r * E;
      float* dq = dQ + r * Ha;
      for (std::uint64_t i = 0; i < n; ++i) {
        const std::size_t p = st->pair_start[r] + i;
        const float* e = B + (f0 + i) * E;
        float* de = dB + (f0 + i) * E;
        const float* dd = dD + p * E;
        for (std::uint32_t k = 0; k < E; ++k) {
          de[k] += dd[k] * v[k];
          dv[k] += dd[k] * e[k];
        }
        const float* dz = dZ + p * Ha;
        float* dx1 = dX1 + (f0 + i) * Ha;
        for (std::uint32_t j = 0; j < Ha; ++j) {
          dq[j] += dz[j];
          dx1[j] += dz[j];
        }
      }
    }
  }
  fc_backward(R, E, Ha, V, E, wa + 2 * E, E3, dQ, Ha, gdense + w_ + 2 * E, E3, nullptr, dV, E,
              /*accumulate_dx=*/true);
  fc_backward(S, E, Ha, B, E, wa, E3, dX1, Ha, gdense + w_, E3, gdense + b_, dB, E, /*accumulate_dx=*/true);

  SparseRows& g_nodes = grads.tables[kNodeTable];
  for (std::size_t r = 0; r < R; ++r) g_nodes.add(batch.nodes[r], dV + r * E);
  SparseRows& g_behaviours = grads.tables[kBehaviorTable];
  for (std::size_t g = 0; g < G; ++g) {
    if (batch.row_offsets[g + 1] == batch.row_offsets[g]) continue;  // no row: nothing touched
    for (std::uint64_t s = batch.feature_offsets[g]; s < batch.feature_offsets[g + 1]; ++s)
      g_behaviours.add(batch.features[s], dB + s * E);
  }
}

}  // namespace treerec
