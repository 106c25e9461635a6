// The training loss (ALGORITHMS §5): binary cross-entropy of every positive and negative row of a
// batch, averaged over the batch's rows. With z the logit and y the label (1 or 0),
//   loss(z, y) = max(z, 0) - z y + log(1 + exp(-|z|))   (= -log σ(z) or -log(1 - σ(z)),
//                                                        without overflow for any z)
//   dL/dz      = (σ(z) - y) / rows.
#pragma once

#include <span>

namespace treerec {

// The numerically stable logistic function.
double sigmoid(double z);
// The loss of one row, stable for any finite z.
double logistic_loss(double z, double y);

// For every row r: dlogits[r] = (σ(logits[r]) - labels[r]) / batch_rows, where batch_rows is
// the row count of the WHOLE batch (these rows may be one shard of it). Returns the SUM of the
// rows' losses (divide by batch_rows for the batch mean). Spans must have equal sizes.
double binary_cross_entropy(std::span<const float> logits, std::span<const float> labels, double batch_rows,
                            std::span<float> dlogits);

}  // namespace treerec
