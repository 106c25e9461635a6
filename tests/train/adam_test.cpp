#include "treerec/train/adam.h"

#include <gtest/gtest.h>

#include "test_util.h"
#include "treerec/io/binary_file.h"
#include "treerec/util/error.h"

namespace treerec {
namespace {

// One dense scalar "w" = 1 and a 4 x 2 table "t" with row r = (r, -r).
Parameters params() {
  Parameters p;
  p.add_dense("w", {1});
  p.dense[0] = 1.0f;
  p.add_table("t", 4, 2);
  for (std::uint32_t r = 0; r < 4; ++r) {
    p.tables[0].row(r)[0] = static_cast<float>(r);
    p.tables[0].row(r)[1] = -static_cast<float>(r);
  }
  return p;
}

AdamOptions options(float lr = 0.1f) {
  AdamOptions o;
  o.learning_rate = lr;
  o.threads = 1;
  return o;
}

// Values from m = .9 m + .1 g, v = .999 v + .001 g^2, θ -= lr / (1 - .9^t) m / (sqrt(v / (1 - .999^t)) + 1e-8).
// Step 1: m̂ = g, v̂ = g^2, so θ moves by lr exactly (up to eps): 1 -> 0.9.
TEST(Adam, DenseStepsByHand) {
  Parameters p = params();
  Adam adam(p, options());
  Gradients g = Gradients::like(p);
  const float grads[] = {0.5f, -1.0f, 0.25f};
  const double expected[] = {0.900000002, 0.9366103542405654, 0.9502794203389762};
  for (int t = 0; t < 3; ++t) {
    g.dense[0] = grads[t];
    adam.step(p, g);
    EXPECT_NEAR(p.dense[0], expected[t], 1e-6) << "step " << t + 1;
  }
  EXPECT_EQ(adam.steps(), 3u);
}

TEST(Adam, DefaultsFollowTheSpec) {
  const AdamOptions o;
  EXPECT_EQ(o.learning_rate, 1e-3f);
  EXPECT_EQ(o.beta1, 0.9f);
  EXPECT_EQ(o.beta2, 0.999f);
  EXPECT_EQ(o.epsilon, 1e-8f);
  EXPECT_EQ(o.sparse_bias_correction, SparseBiasCorrection::global_step);
}

// Lazy Adam: step 1 touches row 1, step 2 touches row 3 only. Untouched rows stay bit-identical
// (row 1 keeps its step-1 value: its moments do not decay while it is not touched).
TEST(Adam, LazyRowsGlobalStep) {
  Parameters p = params();
  const Parameters initial = p;
  Adam adam(p, options());
  Gradients g = Gradients::like(p);
  const float g1[] = {1.0f, -1.0f};
  g.tables[0].add(1, g1);
  adam.step(p, g);
  EXPECT_NEAR(p.tables[0].row(1)[0], 1.0f - 0.1f, 1e-6);
  EXPECT_NEAR(p.tables[0].row(1)[1], -1.0f + 0.1f, 1e-6);
  const std::vector<float> row1(p.tables[0].row(1), p.tables[0].row(1) + 2);

  g.clear();
  const float g3[] = {2.0f, 0.0f};
  g.tables[0].add(3, g3);
  adam.step(p, g);
  // First touch at global step 2: m̂ = .1 g / .19, v̂ = .001 g^2 / .001999: 0.0744137 lr-units of 0.1.
  EXPECT_NEAR(p.tables[0].row(3)[0], 3.0f - 0.07441368f, 1e-6);
  EXPECT_EQ(p.tables[0].row(3)[1], -3.0f);  // zero gradient, zero moments: no move
  EXPECT_EQ(std::vector<float>(p.tables[0].row(1), p.tables[0].row(1) + 2), row1);
  for (std::uint32_t r : {0u, 2u})
    for (int k = 0; k < 2; ++k) EXPECT_EQ(p.tables[0].row(r)[k], initial.tables[0].row(r)[k]);
}

TEST(Adam, LazyRowsPerRowStep) {
  Parameters p = params();
  AdamOptions o = options();
  o.sparse_bias_correction = SparseBiasCorrection::row_step;
  Adam adam(p, o);
  Gradients g = Gradients::like(p);
  g.dense[0] = 1.0f;
  adam.step(p, g);
  g.clear();
  const float g3[] = {2.0f, 0.0f};
  g.tables[0].add(3, g3);
  adam.step(p, g);
  // Row 3's own first step: a full lr.
  EXPECT_NEAR(p.tables[0].row(3)[0], 3.0f - 0.1f, 1e-6);
}

TEST(Adam, LearningRateDecayAndErrors) {
  Parameters p = params();
  Adam adam(p, options(1e-3f));
  adam.decay_learning_rate(0.9f);
  adam.decay_learning_rate(0.9f);
  EXPECT_NEAR(adam.learning_rate(), 0.81e-3f, 1e-9);
  EXPECT_THROW(adam.set_learning_rate(0.0f), Error);
  AdamOptions bad = options();
  bad.beta2 = 1.0f;
  EXPECT_THROW(Adam(p, bad), Error);

  Gradients g = Gradients::like(p);
  const float x[] = {1.0f, 1.0f};
  g.tables[0].add(7, x);  // no such row
  const Parameters before = p;
  try {
    adam.step(p, g);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gradient row 7"), std::string::npos) << e.what();
  }
  EXPECT_EQ(p.dense, before.dense);  // nothing changed
  EXPECT_EQ(adam.steps(), 0u);
}

TEST(Adam, CheckpointRoundTripContinuesIdentically) {
  Parameters p = params();
  Adam adam(p, options());
  Gradients g = Gradients::like(p);
  g.dense[0] = 0.3f;
  const float x[] = {0.5f, -2.0f};
  g.tables[0].add(2, x);
  adam.step(p, g);
  adam.decay_learning_rate(0.5f);

  test::TempDir dir;
  const std::string path = dir.file("adam.bin");
  {
    BinaryWriter w(path, "TRECTEST", 1);
    adam.save(w);
    w.commit();
  }
  Parameters q = p;
  Adam resumed(q, options(0.7f));
  resumed.load(BinaryReader(path, "TRECTEST", "checkpoint", 1));
  EXPECT_EQ(resumed.steps(), 1u);
  EXPECT_EQ(resumed.learning_rate(), adam.learning_rate());
  adam.step(p, g);
  resumed.step(q, g);
  EXPECT_EQ(p.dense, q.dense);
  EXPECT_EQ(p.tables[0].values, q.tables[0].values);
}

}  // namespace
}  // namespace treerec
