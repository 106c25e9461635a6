// The TDM-style attention model (ALGORITHMS §4, second implementation of PreferenceModel).
//
// For a row (user u, node v) and each behaviour i of u with embedding e_i:
//   a_i = w_o . PReLU(Wa [e_i ; e_i * v ; v] + b_a) + b_o        (3E -> attention_hidden -> 1)
// and window w's vector is the attention-weighted mean
//   x_w = (1 / n_w) sum_{i in w} a_i e_i                           (0 for an empty window).
// The weights are NOT normalised within a window (no softmax), as in DIN/TDM, so the model
// can express how strongly a window matters, not only which behaviour in it; b_o starts at 1
// so that the model starts close to the DNN's plain window means. Then [x_0 .. x_9 ; v] goes
// through the same MLP as the DNN (MlpTower, fc1 on the full 11E-wide input).
//
// The user part depends on the node, so nothing is shared across a group's rows except the
// node-independent term Wa_e e_i + b_a of each behaviour (computed once per group).
//
// Data layout (row-major float32, per-thread State). S = behaviours in the batch, T = sum over
// rows of their group's behaviour count ("pairs", at most 69 R):
//   B    S x E    gathered behaviour embeddings       X1  S x Ha  B Wa_e^T + b_a
//   V    R x E    gathered node embeddings            Q   R x Ha  V Wa_v^T
//   D    T x E    e_i * v per pair                    Z   T x Ha  X1 + Q + D Wa_p^T
//   Hh   T x Ha   PReLU(Z)                            att T       Hh w_o + b_o
//   X    R x 11E  weighted window means and v         then the MlpTower.
// Memory per row is about 69 (E + 3 Ha) floats: scale batches accordingly.
// FLOPs per row (E = 24, Ha = 36, hidden 128-64-24): attention 2 * 69 * (24 * 36 + 36) +
// 2 * 24 * 36 ≈ 126k, pooling ≈ 3.3k, MLP 2 * (264 * 128 + 128 * 64 + 64 * 24 + 24) ≈ 87k;
// forward ≈ 0.22 MFLOP, trained ≈ 0.65 MFLOP per row.
//
// Parameters beyond the MlpTower's: att.w (Ha x 3E), att.b (Ha), att.a (Ha PReLU slopes),
// att_out.w (1 x Ha), att_out.b (1).
#pragma once

#include "treerec/model/mlp_tower.h"
#include "treerec/model/preference_model.h"

namespace treerec {

class AttentionModel final : public PreferenceModel {
 public:
  explicit AttentionModel(const ModelConfig& config);

  std::unique_ptr<ModelState> make_state() const override;
  void forward(const ModelBatch& batch, ModelState& state, std::span<float> logits) const override;
  void backward(const ModelBatch& batch, ModelState& state, std::span<const float> dlogits,
                Gradients& grads) const override;


 protected:
  // att_out.b starts at 1 (weights start near 1: close to plain window means).
  void on_initialised() override;

 private:
  struct State;
  MlpTower tower_;
  std::size_t w_ = 0, b_ = 0, alpha_ = 0, out_w_ = 0, out_b_ = 0;  // dense offsets
};

}  // namespace treerec
