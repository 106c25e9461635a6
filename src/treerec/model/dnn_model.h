// The JTM/TDM network (ALGORITHMS §4): the 10 time-window means of the user's behaviour embeddings
// (10 x E) and the target node's embedding (E) form a 11E = 264-wide input; fully connected
// layers 128, 64, 24 with PReLU; 2 outputs and a softmax, exposed as the logit z1 - z0.
//
// Shared user block. The first layer on the concatenation [u ; v] is W1 [u ; v] + b1 =
// (W1u u + b1) + W1n v, where W1u = the first 10E columns of W1 (128 x 240) and W1n the last
// E (128 x 24). A batch group is one user at one level, so W1u u + b1 is computed ONCE per
// group and added to every row's W1n v: the same function, a fraction of the work.
//
// Data layout (all row-major float32, contiguous, in the per-thread State):
//   windows   G x 10E   window means per group (TimeWindows::pool)
//   user      G x H1    W1u windows + b1                         (one GEMM)
//   node_emb  R x E     gathered node embeddings
//   A0        R x H1    user[group(r)] + node_emb W1n^T          (one GEMM, beta = 1)
//   then the MlpTower: H = PReLU(A), A' = H W^T + b, ..., logit.
// score() on a batch marked repeated_nodes (tree learning) computes W1n v once per distinct
// node and copies it to the node's rows: a quarter of a row's products saved, same logits.
// Backward reverses this with the same GEMMs transposed, sums dA0 over each group's rows for
// the user block, and scatters embedding gradients into sparse rows.
//
// FLOPs (E = 24, hidden 128-64-24; a multiply-add counts 2):
//   per row,   forward 2 (24*128 + 128*64 + 64*24 + 24) = 25,648; backward about twice that
//              (dW and dX products): ~77k per row trained.
//   per group, forward 2 * 240 * 128 = 61,440 (+ pooling); ~184k trained.
//   A training sample at 21 levels with 100 negatives (121 rows, 21 groups): ~13.2 MFLOP.
#pragma once

#include <span>
#include <vector>

#include "treerec/model/mlp_tower.h"
#include "treerec/model/preference_model.h"

namespace treerec {

class DnnModel final : public PreferenceModel {
 public:
  // Registers the parameters (zero); use PreferenceModel::create() for an initialised model.
  explicit DnnModel(const ModelConfig& config);

  std::unique_ptr<ModelState> make_state() const override;
  void forward(const ModelBatch& batch, ModelState& state, std::span<float> logits) const override;
  void backward(const ModelBatch& batch, ModelState& state, std::span<const float> dlogits,
                Gradients& grads) const override;
  // One pass per layer after each product: the user block or bias is added and PReLU applied
  // in place (MlpTower::infer), where forward() seeds every row with it and keeps A and H.
  void score(const ModelBatch& batch, ModelState& state, std::span<float> logits) const override;

 private:
  struct State;
  // Pools each group's windows and computes its user block (G x H1, bias included), and
  // gathers the embeddings of node_ids (the batch's rows, or its distinct nodes) into the state.
  void gather(const ModelBatch& batch, std::span<const std::uint32_t> node_ids, State& st) const;
  // Finds the batch's distinct nodes (st.distinct, st.row_distinct); true when they are at most
  // half its rows, so that computing W1n v once per distinct node pays.
  bool share_nodes(const ModelBatch& batch, State& st) const;
  MlpTower tower_;
};

}  // namespace treerec
