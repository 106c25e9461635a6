// The fully connected tower shared by the preference models (ALGORITHMS §4): hidden layers
// (default 128, 64, 24) with PReLU, then 2 outputs and a softmax, exposed as the logit
// z1 - z0 (so p̂ = sigmoid(logit)).
//
// The tower registers every dense parameter of that network, the first layer's included
// ("fc1.w", hidden[0] x input_dim), but leaves the first layer's PRODUCT to the model: the
// DNN computes it as a shared user block plus a node block, the attention model on a full
// input row. So forward() starts from A0, the first layer's pre-activation (R x hidden[0]),
// and backward() ends with dL/dA0 in Buffers::dA0.
//
// Parameters: fc{k}.w (hidden[k-1] x in), fc{k}.b, prelu{k}.a (one slope per unit) for
// k = 1..K, then out.w (2 x hidden[K-1]) and out.b (2).
#pragma once

#include <cstdint>
#include <vector>

#include "treerec/model/parameters.h"

namespace treerec {

class MlpTower {
 public:
  struct Buffers {
    std::vector<std::vector<float>> A;   // pre-activations, R x hidden[k]; A[0] is the input
    std::vector<std::vector<float>> H;   // PReLU outputs, R x hidden[k]
    std::vector<std::vector<float>> dA;  // backward: dL/dA[k]; dA[0] is the result
    std::vector<float> out_w_diff;       // out.w[1] - out.w[0]
    std::vector<float> scratch;          // hidden[K-1]
    // Grows (never shrinks) every buffer to hold `rows` rows. With `inference`, only what
    // infer() uses (A and the output's vectors), so scoring never allocates H and dA.
    void reserve(const MlpTower& tower, std::size_t rows, bool inference = false);
    float* A0() { return A[0].data(); }
    const float* dA0() const { return dA[0].data(); }
  };

  MlpTower() = default;
  MlpTower(Parameters& params, std::uint32_t input_dim, std::vector<std::uint32_t> hidden);

  std::uint32_t input_dim() const { return input_dim_; }
  std::uint32_t first_width() const { return hidden_[0]; }
  const std::vector<std::uint32_t>& hidden() const { return hidden_; }
  std::size_t w1() const { return w_[0]; }  // offset of fc1.w (first_width x input_dim)
  std::size_t b1() const { return b_[0]; }  // offset of fc1.b

  // From buf.A[0] (rows x hidden[0], filled by the model, bias included) to logits[rows].
  void forward(const float* dense, std::size_t rows, Buffers& buf, float* logits) const;
  // Inference: from buf.A[0] holding the first layer's product WITHOUT its bias or user block,
  // which add_first(row) gives (H1 floats, added to the row before its PReLU). Computes in
  // place (buf.A[k] ends as the PReLU output), so backward() cannot follow. Same logits as
  // forward() up to float rounding.
  template <typename AddFirst>
  void infer(const float* dense, std::size_t rows, Buffers& buf, AddFirst add_first, float* logits) const;

  // After forward() on the same buffers: adds the gradients of fc2.. and out, and of every
  // PReLU slope, to grad_dense, and leaves dL/dA0 in buf.dA[0].
  void backward(const float* dense, std::size_t rows, Buffers& buf, const float* dlogits,
                float* grad_dense) const;

  // Forward FLOPs per row from A0 on (layers 2.. and the output): 2 * sum of the products.
  std::uint64_t flops_per_row() const;

 private:
  // Layers 2.. and the output of infer(), from H0 in buf.A[0].
  void infer_rest(const float* dense, std::size_t rows, Buffers& buf, float* logits) const;
  // The output: logits[r] = out.b1 - out.b0 + H[r] . (out.w[1] - out.w[0]).
  void output(const float* dense, std::size_t rows, const float* H, Buffers& buf, float* logits) const;

  std::uint32_t input_dim_ = 0;
  std::vector<std::uint32_t> hidden_;
  std::vector<std::size_t> w_, b_, alpha_;  // offsets in the dense buffer, per layer
  std::size_t out_w_ = 0, out_b_ = 0;
};

// x = PReLU(x + add) in place, over one row of d units: infer()'s pass after each product.
inline void add_prelu(float* __restrict x, const float* __restrict add, const float* __restrict alpha,
                      std::uint32_t d) {
  for (std::uint32_t j = 0; j < d; ++j) {
    const float v = x[j] + add[j];
    x[j] = v > 0.0f ? v : alpha[j] * v;
  }
}

template <typename AddFirst>
void MlpTower::infer(const float* dense, std::size_t rows, Buffers& buf, AddFirst add_first, float* logits) const {
  const std::uint32_t h1 = hidden_[0];
  float* a = buf.A[0].data();
  for (std::size_t r = 0; r < rows; ++r) add_prelu(a + r * h1, add_first(r), dense + alpha_[0], h1);
  infer_rest(dense, rows, buf, logits);
}

// Grows v to at least n elements (never shrinks, so steady-state batches do not allocate).
inline float* ensure(std::vector<float>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

}  // namespace treerec
