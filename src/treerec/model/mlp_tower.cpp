#include "treerec/model/mlp_tower.h"

#include <cblas.h>

#include "treerec/model/layers.h"
#include "treerec/util/error.h"

namespace treerec {

MlpTower::MlpTower(Parameters& params, std::uint32_t input_dim, std::vector<std::uint32_t> hidden)
    : input_dim_(input_dim), hidden_(std::move(hidden)) {
  TR_CHECK(!hidden_.empty(), "the network needs at least one hidden layer");
  std::uint32_t in = input_dim_;
  for (std::size_t k = 0; k < hidden_.size(); ++k) {
    TR_CHECK(hidden_[k] > 0, "hidden layer ", k + 1, " has no unit");
    const std::string layer = std::to_string(k + 1);
    w_.push_back(params.add_dense("fc" + layer + ".w", {hidden_[k], in}));
    b_.push_back(params.add_dense("fc" + layer + ".b", {hidden_[k]}));
    alpha_.push_back(params.add_dense("prelu" + layer + ".a", {hidden_[k]}));
    in = hidden_[k];
  }
  out_w_ = params.add_dense("out.w", {2, in});
  out_b_ = params.add_dense("out.b", {2});
}

void MlpTower::Buffers::reserve(const MlpTower& tower, std::size_t rows, bool inference) {
  const std::size_t K = tower.hidden_.size();
  A.resize(K);
  H.resize(K);
  dA.resize(K);
  for (std::size_t k = 0; k < K; ++k) {
    ensure(A[k], rows * tower.hidden_[k]);
    if (inference) continue;
    ensure(H[k], rows * tower.hidden_[k]);
    ensure(dA[k], rows * tower.hidden_[k]);
  }
  ensure(out_w_diff, tower.hidden_.back());
  ensure(scratch, tower.hidden_.back());
}

void MlpTower::forward(const float* dense, std::size_t rows, Buffers& buf, float* logits) const {
  const std::size_t K = hidden_.size();
  for (std::size_t k = 0; k < K; ++k) {
    if (k > 0)
      fc_forward(rows, hidden_[k - 1], hidden_[k], buf.H[k - 1].data(), hidden_[k - 1], dense + w_[k],
                 hidden_[k - 1], dense + b_[k], buf.A[k].data(), hidden_[k]);
    prelu_forward(rows, hidden_[k], buf.A[k].data(), dense + alpha_[k], buf.H[k].data());
  }
  output(dense, rows, buf.H[K - 1].data(), buf, logits);
}

void MlpTower::output(const float* dense, std::size_t rows, const float* H, Buffers& buf, float* logits) const {
  // Two-way softmax: p̂ = softmax(z)_1 = sigmoid(z1 - z0), and z1 - z0 is one dot product.
  const std::uint32_t last = hidden_.back();
  const float* w = dense + out_w_;
  float* wd = buf.out_w_diff.data();
  for (std::uint32_t j = 0; j < last; ++j) wd[j] = w[last + j] - w[j];
  const float bd = dense[out_b_ + 1] - dense[out_b_];
  if (rows == 0) return;
  for (std::size_t r = 0; r < rows; ++r) logits[r] = bd;
  cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(rows), static_cast<blasint>(last), 1.0f, H,
              static_cast<blasint>(last), wd, 1, 1.0f, logits, 1);
}

void MlpTower::infer_rest(const float* dense, std::size_t rows, Buffers& buf, float* logits) const {
  const std::size_t K = hidden_.size();
  for (std::size_t k = 1; k < K; ++k) {
    const std::uint32_t in = hidden_[k - 1], out = hidden_[k];
    fc_forward(rows, in, out, buf.A[k - 1].data(), in, dense + w_[k], in, nullptr, buf.A[k].data(), out);
    float* a = buf.A[k].data();
    for (std::size_t r = 0; r < rows; ++r) add_prelu(a + r * out, dense + b_[k], dense + alpha_[k], out);
  }
  output(dense, rows, buf.A[K - 1].data(), buf, logits);
}

void MlpTower::backward(const float* dense, std::size_t rows, Buffers& buf, const float* dlogits,
                        float* grad_dense) const {
  const std::size_t K = hidden_.size();
  const std::uint32_t last = hidden_.back();
  if (rows == 0) return;
  // z1 - z0: dL/dz1 = dlogit, dL/dz0 = -dlogit.
  float* g = buf.dA[K - 1].data();
  const float* wd = buf.out_w_diff.data();
  for (std::size_t r = 0; r < rows; ++r)
    for (std::uint32_t j = 0; j < last; ++j) g[r * last + j] = dlogits[r] * wd[j];
  float* hd = buf.scratch.data();  // H^T dlogits
  cblas_sgemv(CblasRowMajor, CblasTrans, static_cast<blasint>(rows), static_cast<blasint>(last), 1.0f,
              buf.H[K - 1].data(), static_cast<blasint>(last), dlogits, 1, 0.0f, hd, 1);
  float* gw = grad_dense + out_w_;
  for (std::uint32_t j = 0; j < last; ++j) {
    gw[j] -= hd[j];
    gw[last + j] += hd[j];
  }
  float sum = 0.0f;
  for (std::size_t r = 0; r < rows; ++r) sum += dlogits[r];
  grad_dense[out_b_] -= sum;
  grad_dense[out_b_ + 1] += sum;

  for (std::size_t k = K; k-- > 0;) {
    prelu_backward(rows, hidden_[k], buf.A[k].data(), dense + alpha_[k], buf.dA[k].data(),
                   grad_dense + alpha_[k]);
    if (k == 0) break;
    fc_backward(rows, hidden_[k - 1], hidden_[k], buf.H[k - 1].data(), hidden_[k - 1], dense + w_[k],
                hidden_[k - 1], buf.dA[k].data(), hidden_[k], grad_dense + w_[k], hidden_[k - 1],
                grad_dense + b_[k], buf.dA[k - 1].data(), hidden_[k - 1]);
  }
}

std::uint64_t MlpTower::flops_per_row() const {
  std::uint64_t macs = hidden_.back();
  for (std::size_t k = 1; k < hidden_.size(); ++k) macs += std::uint64_t{hidden_[k - 1]} * hidden_[k];
  return 2 * macs;
}

}  // namespace treerec
