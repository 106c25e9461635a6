#include "treerec/util/blas.h"

#include <cblas.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include "treerec/util/error.h"

namespace treerec {

namespace {
dnnl_dim_t dim(std::size_t v) { return static_cast<dnnl_dim_t>(v); }

const char* isa_name(dnnl_cpu_isa_t isa) {
  switch (isa) {
    case dnnl_cpu_isa_sse41: return "sse41";
    case dnnl_cpu_isa_avx: return "avx";
    case dnnl_cpu_isa_avx2: return "avx2";
    case dnnl_cpu_isa_avx2_vnni: return "avx2_vnni";
    case dnnl_cpu_isa_avx512_core: return "avx512_core";
    case dnnl_cpu_isa_avx512_core_vnni: return "avx512_core_vnni";
    case dnnl_cpu_isa_avx512_core_bf16: return "avx512_core_bf16";
    case dnnl_cpu_isa_avx512_core_amx: return "avx512_core_amx";
    default: return "other";
  }
}
}  // namespace

void sgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
           const float* A, std::size_t lda, const float* B, std::size_t ldb, float beta, float* C,
           std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0.0f) {  // C = beta C, which oneDNN would not skip
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < n; ++j) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
    return;
  }
  // oneDNN's OpenMP build runs a GEMM called outside a parallel region on every thread the
  // calling thread's OpenMP setting allows. Our parallel loops name their thread counts
  // explicitly, so setting this thread's default to 1 changes nothing else and keeps every
  // product single-threaded, hence reproducible for a fixed treerec thread count.
  if (!omp_in_parallel() && omp_get_max_threads() != 1) omp_set_num_threads(1);
  const dnnl_status_t status =
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', dim(m), dim(n), dim(k), alpha, A, dim(lda), B,
                 dim(ldb), beta, C, dim(ldc));
  TR_CHECK(status == dnnl_success, "sgemm(", m, " x ", n, " x ", k, ", lda ", lda, ", ldb ", ldb,
           ", ldc ", ldc, ") failed in oneDNN with status ", static_cast<int>(status));
}

std::string blas_kernels() {
  const dnnl_version_t* v = dnnl_version();
  const char* openblas = openblas_get_corename();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + " " + isa_name(dnnl_get_effective_cpu_isa()) + " (GEMM), OpenBLAS " +
         (openblas != nullptr ? openblas : "unknown") + " (GEMV)";
}

}  // namespace treerec
