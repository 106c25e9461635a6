#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite twice: optimised, then under
# AddressSanitizer + UndefinedBehaviorSanitizer; after the optimised run, checks that the
# installed library links from another project; then the serving tests under ThreadSanitizer
# (scripts/tsan.supp says what it cannot see); last, builds the libFuzzer targets and runs
# each for a short, fixed time (fuzz/run.sh; the long campaigns are in docs/RELIABILITY.md).
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
jobs=$(nproc)
for variant in release asan; do
  echo "== $variant build"
  bash scripts/build.sh "$variant"
  dir=build; [ "$variant" = asan ] && dir=build-asan
  echo "== $variant tests"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs"
  if [ "$variant" = release ]; then bash scripts/check_install.sh; fi
done
echo "== tsan build (the serving tests)"
bash scripts/build.sh tsan
echo "== tsan tests"
TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$(pwd)/scripts/tsan.supp" \
  ctest --test-dir build-tsan --output-on-failure -j "$jobs"
echo "== fuzz build"
bash scripts/build.sh fuzz
echo "== fuzz (30 s per target)"
for target in container log config request; do bash fuzz/run.sh "$target" 30; done
