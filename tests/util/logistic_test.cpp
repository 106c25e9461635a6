#include <gtest/gtest.h>

#include <cmath>

#include "treerec/util/logistic.h"

namespace treerec {
namespace {

TEST(LogSigmoid, MatchesTheDefinitionAndStaysFinite) {
  EXPECT_NEAR(log_sigmoid(0.0), std::log(0.5), 1e-15);
  EXPECT_NEAR(log_sigmoid(2.0), std::log(1.0 / (1.0 + std::exp(-2.0))), 1e-15);
  EXPECT_NEAR(log_sigmoid(-2.0), std::log(1.0 / (1.0 + std::exp(2.0))), 1e-15);
  EXPECT_NEAR(log_sigmoid(-800.0), -800.0, 1e-9);  // naive log(sigmoid) would be -inf
  EXPECT_NEAR(log_sigmoid(800.0), 0.0, 1e-300);
  // Both branches agree where they meet.
  EXPECT_NEAR(log_sigmoid(1e-12), log_sigmoid(-1e-12), 1e-11);
}

}  // namespace
}  // namespace treerec
