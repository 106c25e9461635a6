// FC and PReLU layers: forward against hand-computed values, backward against central
// differences. Both layers are piecewise linear in every input and parameter, so a central
// difference is exact away from PReLU's kink (inputs are kept at |a| >= 0.1 > h); the only
// error left is float rounding of the loss, summed in double: tolerance 1e-3.
#include "treerec/model/layers.h"

#include <gtest/gtest.h>

#include <vector>

#include "treerec/util/error.h"
#include "treerec/util/random.h"

namespace treerec {
namespace {

std::vector<float> random_vector(std::size_t n, Rng& rng, double lo = -1, double hi = 1) {
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(lo + (hi - lo) * rng.uniform01());
  return v;
}

TEST(Layers, FcForwardByHand) {
  // X = [[1, 2], [3, 4]], W = [[1, 0], [1, -1], [2, 1]] (3 x 2), b = [0.5, 0, -1].
  const std::vector<float> X{1, 2, 3, 4}, W{1, 0, 1, -1, 2, 1}, b{0.5f, 0, -1};
  std::vector<float> Y(6);
  fc_forward(2, 2, 3, X.data(), 2, W.data(), 2, b.data(), Y.data(), 3);
  EXPECT_EQ(Y, (std::vector<float>{1.5f, -1, 3, 3.5f, -1, 9}));
  fc_forward(2, 2, 3, X.data(), 2, W.data(), 2, nullptr, Y.data(), 3, /*accumulate=*/true);
  EXPECT_EQ(Y, (std::vector<float>{2.5f, -2, 7, 6.5f, -2, 19}));
}

TEST(Layers, FcBlockOfWiderMatrices) {
  // A layer on columns [2, 4) of a 5-wide input and 3 of 5 weight columns (the DNN's node
  // block of fc1): same result as on the extracted blocks.
  Rng rng(1);
  const auto X = random_vector(4 * 5, rng), W = random_vector(3 * 5, rng);
  std::vector<float> Xb(4 * 2), Wb(3 * 2);
  for (int i = 0; i < 4; ++i)
    for (int k = 0; k < 2; ++k) Xb[i * 2 + k] = X[i * 5 + 2 + k];
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 2; ++k) Wb[j * 2 + k] = W[j * 5 + 2 + k];
  std::vector<float> Y(12), Yb(12);
  fc_forward(4, 2, 3, X.data() + 2, 5, W.data() + 2, 5, nullptr, Y.data(), 3);
  fc_forward(4, 2, 3, Xb.data(), 2, Wb.data(), 2, nullptr, Yb.data(), 3);
  for (int i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(Y[i], Yb[i]);
}

TEST(Layers, FcBackwardMatchesFiniteDifferences) {
  const std::size_t n = 5, in = 4, out = 3;
  Rng rng(2);
  auto X = random_vector(n * in, rng), W = random_vector(out * in, rng), b = random_vector(out, rng);
  const auto c = random_vector(n * out, rng);  // L = sum c * Y
  const auto loss = [&] {
    std::vector<float> Y(n * out);
    fc_forward(n, in, out, X.data(), in, W.data(), in, b.data(), Y.data(), out);
    double s = 0;
    for (std::size_t i = 0; i < Y.size(); ++i) s += double{c[i]} * Y[i];
    return s;
  };
  std::vector<float> dW(out * in, 0.0f), db(out, 0.0f), dX(n * in, -7.0f);  // dX is overwritten
  fc_backward(n, in, out, X.data(), in, W.data(), in, c.data(), out, dW.data(), in, db.data(), dX.data(), in);
  const auto numeric = [&](float& x) {
    const float saved = x, h = 1e-2f;
    x = saved + h;
    const double plus = loss();
    x = saved - h;
    const double minus = loss();
    x = saved;
    return (plus - minus) / (2 * h);
  };
  for (std::size_t i = 0; i < W.size(); ++i) EXPECT_NEAR(dW[i], numeric(W[i]), 1e-3) << "W " << i;
  for (std::size_t i = 0; i < b.size(); ++i) EXPECT_NEAR(db[i], numeric(b[i]), 1e-3) << "b " << i;
  for (std::size_t i = 0; i < X.size(); ++i) EXPECT_NEAR(dX[i], numeric(X[i]), 1e-3) << "X " << i;

  // Weight and bias gradients accumulate; dX accumulates only when asked.
  fc_backward(n, in, out, X.data(), in, W.data(), in, c.data(), out, dW.data(), in, db.data(), dX.data(), in,
              /*accumulate_dx=*/true);
  EXPECT_NEAR(db[0], 2 * numeric(b[0]), 2e-3);
  EXPECT_NEAR(dX[0], 2 * numeric(X[0]), 2e-3);
}

TEST(Layers, PreluForwardAndBackward) {
  const std::size_t n = 6, d = 3;
  Rng rng(4);
  std::vector<float> A(n * d);
  for (auto& a : A) {  // |a| in [0.1, 1], both signs
    a = static_cast<float>(0.1 + 0.9 * rng.uniform01());
    if (rng.uniform(2) == 0) a = -a;
  }
  std::vector<float> alpha{0.25f, 0.1f, -0.3f};
  const auto c = random_vector(n * d, rng);
  std::vector<float> H(n * d);
  prelu_forward(n, d, A.data(), alpha.data(), H.data());
  for (std::size_t i = 0; i < A.size(); ++i)
    EXPECT_EQ(H[i], A[i] > 0 ? A[i] : alpha[i % d] * A[i]);

  const auto loss = [&] {
    prelu_forward(n, d, A.data(), alpha.data(), H.data());
    double s = 0;
    for (std::size_t i = 0; i < H.size(); ++i) s += double{c[i]} * H[i];
    return s;
  };
  std::vector<float> g = c, dalpha(d, 0.0f);
  prelu_backward(n, d, A.data(), alpha.data(), g.data(), dalpha.data());
  const auto numeric = [&](float& x) {
    const float saved = x, h = 1e-3f;
    x = saved + h;
    const double plus = loss();
    x = saved - h;
    const double minus = loss();
    x = saved;
    return (plus - minus) / (2 * h);
  };
  for (std::size_t i = 0; i < A.size(); ++i) EXPECT_NEAR(g[i], numeric(A[i]), 1e-3) << "A " << i;
  for (std::size_t j = 0; j < d; ++j) {
    EXPECT_NEAR(dalpha[j], numeric(alpha[j]), 1e-3) << "alpha " << j;
    EXPECT_NE(dalpha[j], 0.0f);
  }
}

}  // namespace
}  // namespace treerec
