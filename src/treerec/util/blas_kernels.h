// Picks OpenBLAS's AVX-512 kernels on CPUs it does not recognise as AVX-512 capable.
//
// Debian 12's OpenBLAS (0.3.21, built for every x86-64 core) chooses its kernels when the
// library loads, from the CPU model. It takes AMD Zen 4 and Zen 5 cores for Zen and runs the
// Haswell (AVX2) kernels on them, although they execute AVX-512: on the benchmark machine that
// halves sgemm (95 against 174 GFLOP/s on one core, bench/sgemm_peak). The kernel family can
// only be chosen before the library loads, through OPENBLAS_CORETYPE, so the choice is made by
// running the program again with that variable set:
//
// select_blas_kernels(argv), the first thing in main(), re-executes the program with
// OPENBLAS_CORETYPE=SkylakeX when OpenBLAS chose an AVX2 kernel family (Haswell or Zen) and
// the CPU has AVX-512 F, CD, BW, DQ and VL. It returns normally when nothing is to be done,
// when OPENBLAS_CORETYPE is already set (the user's choice, or after the re-execution), when
// TREEREC_BLAS_AUTO=0, or when the re-execution fails.
#pragma once

#include <string>

namespace treerec {

void select_blas_kernels(char** argv);

// The kernel family OpenBLAS runs ("SkylakeX", "Haswell", ...).
std::string blas_kernels();

}  // namespace treerec
