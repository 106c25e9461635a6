#!/usr/bin/env bash
# Configures and builds one variant: scripts/build.sh [release|asan|tsan|fuzz]  (default: release).
# Release goes to build/, the sanitizer build (ASan + UBSan) to build-asan/, the
# ThreadSanitizer build of the library and its tests to build-tsan/, the libFuzzer targets
# (clang, ASan + UBSan) to build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${1:-release}
target=all
case "$variant" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  # The sanitizer build has no precompiled headers, so a file that forgets an #include fails there.
  asan)    dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DTREEREC_SANITIZE=ON -DTREEREC_BENCH=OFF -DTREEREC_PCH=OFF) ;;
  # Only the test binary: the serving tests run under ThreadSanitizer (scripts/test.sh).
  tsan)    dir=build-tsan; target=treerec_tests
           flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" -DTREEREC_TSAN=ON -DTREEREC_BENCH=OFF -DTREEREC_PCH=OFF) ;;
  # Warnings are the GCC builds' job; clang builds only the library and the fuzz targets (no CLI).
  fuzz)    dir=build-fuzz; target=treerec_fuzz_targets; flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -g1" -DCMAKE_CXX_COMPILER=clang++
                                  -DTREEREC_FUZZ=ON -DTREEREC_WERROR=OFF -DTREEREC_NATIVE=OFF -DTREEREC_TESTS=OFF
                                  -DTREEREC_BENCH=OFF -DTREEREC_PCH=OFF) ;;
  *) echo "usage: scripts/build.sh [release|asan|tsan|fuzz]" >&2; exit 2 ;;
esac
if command -v ccache >/dev/null; then
  flags+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Worktrees and clones at other paths share cached objects.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(cd .. && pwd)}
  # Precompiled headers (TREEREC_PCH) are cacheable only with these.
  export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
fi
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$dir" --target "$target"
