#include "treerec/util/blas_kernels.h"

#include <cblas.h>
#include <strings.h>
#include <unistd.h>

#include <cstdlib>

namespace treerec {

namespace {
bool has_avx512() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}
}  // namespace

std::string blas_kernels() {
  const char* name = openblas_get_corename();
  return name != nullptr ? name : "unknown";
}

void select_blas_kernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  const char* automatic = std::getenv("TREEREC_BLAS_AUTO");
  if (automatic != nullptr && std::string(automatic) == "0") return;
  const std::string core = blas_kernels();
  if (strcasecmp(core.c_str(), "haswell") != 0 && strcasecmp(core.c_str(), "zen") != 0) return;
  if (!has_avx512()) return;
  if (::setenv("OPENBLAS_CORETYPE", "SkylakeX", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  ::unsetenv("OPENBLAS_CORETYPE");  // execv failed: go on with the kernels loaded
}

}  // namespace treerec
