#include "treerec/util/blas_kernels.h"

#include <cblas.h>

namespace treerec {

std::string blas_kernels() {
  const char* name = openblas_get_corename();
  return name != nullptr ? name : "unknown";
}

}  // namespace treerec
