#include "treerec/train/loss.h"

#include <algorithm>
#include <cmath>

#include "treerec/util/error.h"

namespace treerec {

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

double logistic_loss(double z, double y) { return std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z))); }

double binary_cross_entropy(std::span<const float> logits, std::span<const float> labels, double batch_rows,
                            std::span<float> dlogits) {
  TR_CHECK(logits.size() == labels.size() && logits.size() == dlogits.size(), "the loss needs one label and one ",
           "gradient slot per logit: ", logits.size(), " logits, ", labels.size(), " labels, ", dlogits.size(),
           " slots");
  TR_CHECK(batch_rows > 0, "the batch has no rows");
  double sum = 0;
  for (std::size_t r = 0; r < logits.size(); ++r) {
    const double z = logits[r], y = labels[r];
    TR_CHECK(std::isfinite(z), "the model produced a non-finite logit (", z, ") at row ", r,
             ": training diverged; lower learning_rate");
    sum += logistic_loss(z, y);
    dlogits[r] = static_cast<float>((sigmoid(z) - y) / batch_rows);
  }
  return sum;
}

}  // namespace treerec
