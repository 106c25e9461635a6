#!/usr/bin/env bash
# Beam-search speed (issue 3) beside the PyTorch peer in one run: k = M = 200 on the 21-level
# tree of the training benchmark's generated data (bench/train_bench.sh builds it), JTM-H.
# Nothing else should run on the machine meanwhile.
#
#   bench/search_bench.sh [--threads 2] [--queries 200] [--workdir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2 queries=200 work=/tmp/treerec-train-bench
while (($#)); do
  case "$1" in
    --threads) threads=$2 ;; --queries) queries=$2 ;; --workdir) work=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -x build/search_bench ] || bash scripts/build.sh release
tr=./build/treerec
if [ ! -f "$work/data.trd" ]; then
  mkdir -p "$work"
  $tr generate --out "$work/log.csv" --items 1477922 --users 200000 --records 24000000 --seed 1
  $tr prepare --input "$work/log.csv" --format userbehavior --out "$work/data.trd" \
    --valid-users 1000 --test-users 1000 --split-seed 1
  $tr tree init "$work/data.trd" --out "$work/category.tree"
fi
items=$($tr stats "$work/data.trd" --json | sed -n 's/.*"items": *\([0-9]*\).*/\1/p')

echo "== treerec (jtm-h, $items items)"
./build/search_bench "$work/data.trd" "$work/category.tree" --queries "$queries" \
  --threads "$threads" | tee "$work/search-treerec.txt"
echo "== PyTorch reference beam (same items, threads)"
/usr/bin/python3 ../shared/bench/torch_reference.py beam --items "$items" --queries 50 \
  --beam 200 --threads "$threads" | tee "$work/search-torch.txt"

ours=$(sed -n 's/^beam_queries_per_sec=//p' "$work/search-treerec.txt")
theirs=$(sed -n 's/^beam_queries_per_sec=//p' "$work/search-torch.txt")
awk -v a="$ours" -v b="$theirs" 'BEGIN {
  printf "beam search: treerec %.0f queries/s, PyTorch %.0f queries/s: %.2fx\n", a, b, a / b }'
