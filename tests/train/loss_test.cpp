// The training loss (ALGORITHMS §5) against hand values and a finite-difference gradient.
#include "treerec/train/loss.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "treerec/util/error.h"

namespace treerec {
namespace {

TEST(Loss, LogisticLossMatchesHandValues) {
  EXPECT_NEAR(logistic_loss(0, 1), std::log(2.0), 1e-15);
  EXPECT_NEAR(logistic_loss(0, 0), std::log(2.0), 1e-15);
  EXPECT_NEAR(logistic_loss(2, 1), 0.12692801104297263, 1e-15);  // log(1 + e^-2)
  EXPECT_NEAR(logistic_loss(2, 0), 2.1269280110429727, 1e-15);   // log(1 + e^2)
  EXPECT_NEAR(logistic_loss(-3, 0), 0.04858735157374206, 1e-15);  // log(1 + e^-3)
  // No overflow far out: the loss is linear there.
  EXPECT_EQ(logistic_loss(-1000, 0), 0.0);
  EXPECT_EQ(logistic_loss(1000, 0), 1000.0);
  EXPECT_EQ(logistic_loss(-1000, 1), 1000.0);
  EXPECT_NEAR(sigmoid(-800), 0.0, 1e-300);
  EXPECT_EQ(sigmoid(800), 1.0);
  EXPECT_NEAR(sigmoid(1), 0.7310585786300049, 1e-15);
}

TEST(Loss, GradientIsSigmoidMinusLabelOverBatchRows) {
  const std::vector<float> z{0.0f, 2.0f, -1.5f}, y{1.0f, 0.0f, 0.0f};
  std::vector<float> d(3);
  // These 3 rows are a shard of a 4-row batch.
  const double sum = binary_cross_entropy(z, y, 4.0, d);
  EXPECT_NEAR(sum, std::log(2.0) + 2.1269280110429727 + 0.2014132779827524, 1e-12);
  EXPECT_FLOAT_EQ(d[0], -0.125f);                            // (0.5 - 1) / 4
  EXPECT_FLOAT_EQ(d[1], static_cast<float>(0.8807970779778823 / 4));
  EXPECT_FLOAT_EQ(d[2], static_cast<float>(0.18242552380635635 / 4));
  // Finite differences of the batch mean (sum / 4).
  for (std::size_t r = 0; r < z.size(); ++r) {
    const double h = 1e-6, zr = z[r];
    const double numeric = (logistic_loss(zr + h, y[r]) - logistic_loss(zr - h, y[r])) / (2 * h) / 4;
    EXPECT_NEAR(d[r], numeric, 1e-7) << "row " << r;
  }
}

TEST(Loss, RejectsNonFiniteLogitsAndMismatchedSizes) {
  std::vector<float> d(1);
  try {
    binary_cross_entropy(std::vector<float>{NAN}, std::vector<float>{1}, 1, d);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("learning_rate"), std::string::npos) << e.what();
  }
  EXPECT_THROW(binary_cross_entropy(std::vector<float>{1, 2}, std::vector<float>{1}, 1, d), Error);
}

}  // namespace
}  // namespace treerec
