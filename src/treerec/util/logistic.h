// log σ(x) = -log(1 + e^-x), the log-probability a logit gives (log p̂ in tree learning and in
// path-probability search), stable for any finite x: never -inf for |x| < ~700, no overflow.
#pragma once

#include <cmath>

namespace treerec {

inline double log_sigmoid(double x) {
  return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
}

}  // namespace treerec
