#!/usr/bin/env bash
# Runs one libFuzzer target: fuzz/run.sh TARGET SECONDS [libFuzzer flags...]
#   TARGET: container, log, config or request (fuzz/TARGET_fuzz.cpp).
# Builds build-fuzz/ when needed (scripts/build.sh fuzz: clang, ASan + UBSan), first replays the
# checked-in regression inputs (fuzz/regressions/TARGET: every crash found so far), then fuzzes
# for SECONDS from the seeds (fuzz/seeds/TARGET) and the corpus grown by earlier runs
# (build-fuzz/corpus/TARGET). A crash leaves its input in build-fuzz/crashes/TARGET and fails.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh TARGET SECONDS}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS}
shift 2
bin=build-fuzz/${target}_fuzz
[ -f "fuzz/${target}_fuzz.cpp" ] || { echo "fuzz/run.sh: no target '$target' (fuzz/*_fuzz.cpp)" >&2; exit 2; }
[ -x "$bin" ] || bash scripts/build.sh fuzz
corpus=build-fuzz/corpus/$target
crashes=build-fuzz/crashes/$target
mkdir -p "$corpus" "$crashes"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
if [ -d "fuzz/regressions/$target" ] && [ -n "$(ls -A "fuzz/regressions/$target")" ]; then
  "$bin" -runs=0 "fuzz/regressions/$target"/* >/dev/null 2>&1 \
    || { echo "fuzz/run.sh: $target: a regression input fails again" >&2; "$bin" "fuzz/regressions/$target"/*; exit 1; }
fi
log=build-fuzz/$target.log
"$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$crashes/" -rss_limit_mb=4096 \
  -timeout=30 "$@" "$corpus" "fuzz/seeds/$target" >"$log" 2>&1 || {
  tail -40 "$log" >&2
  echo "fuzz/run.sh: $target: crash, its input is in $crashes/" >&2
  exit 1
}
runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$')
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
echo "fuzz $target: $runs runs in ${seconds}s, coverage $cov edges, no crash"
