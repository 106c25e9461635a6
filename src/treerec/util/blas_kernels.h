// Which kernel family OpenBLAS runs ("Haswell", "SkylakeX", "Cooperlake", ...), for benchmark
// reports. OpenBLAS picks it from the CPU when it loads, unless OPENBLAS_CORETYPE names one.
#pragma once

#include <string>

namespace treerec {

std::string blas_kernels();

}  // namespace treerec
