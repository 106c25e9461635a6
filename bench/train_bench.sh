#!/usr/bin/env bash
# Training throughput at the paper's shapes (issue 3), beside the PyTorch peer in one run:
# a generated log over 1.48M items (a 21-level category tree), JTM-H, 100 negatives per sample,
# embedding 24, batch 256, 2 threads. Also the machine's sgemm peak, to report the fraction of
# it the training FLOPs reach. Nothing else should run on the machine meanwhile.
#
#   bench/train_bench.sh [--threads 2] [--batch 256] [--steps 30] [--method jtm-h] [--workdir DIR]
#                        [--data-only]   (only make the data: bench/mpi_bench.sh uses it)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=2 batch=256 steps=30 method=jtm-h work=/tmp/treerec-train-bench data_only=0
while (($#)); do
  case "$1" in
    --data-only) data_only=1; shift; continue ;;
    --threads) threads=$2 ;; --batch) batch=$2 ;; --steps) steps=$2 ;; --method) method=$2 ;;
    --workdir) work=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -x build/train_bench ] || bash scripts/build.sh release
tr=./build/treerec
mkdir -p "$work"
if [ ! -f "$work/data.trd" ]; then
  $tr generate --out "$work/log.csv" --items 1477922 --users 200000 --records 24000000 --seed 1
  $tr prepare --input "$work/log.csv" --format userbehavior --out "$work/data.trd" \
    --valid-users 1000 --test-users 1000 --split-seed 1
  $tr tree init "$work/data.trd" --out "$work/category.tree"
fi
[ "$data_only" = 1 ] && exit 0
items=$($tr stats "$work/data.trd" --json | sed -n 's/.*"items": *\([0-9]*\).*/\1/p')

echo "== treerec ($method, $items items)"
./build/train_bench "$work/data.trd" "$work/category.tree" --method "$method" --batch "$batch" \
  --steps "$steps" --threads "$threads" | tee "$work/treerec.txt"
echo "== PyTorch reference (same items, batch, threads)"
/usr/bin/python3 ../shared/bench/torch_reference.py train --items "$items" --batch "$batch" \
  --steps "$steps" --threads "$threads" --negatives 100 | tee "$work/torch.txt"
echo "== sgemm peak"
./build/sgemm_peak --threads "$threads" | tee "$work/sgemm.txt"

ours=$(sed -n 's/^train_samples_per_sec=//p' "$work/treerec.txt")
theirs=$(sed -n 's/^train_samples_per_sec=//p' "$work/torch.txt")
gflops=$(sed -n 's/^model GFLOP\/s \([0-9.]*\).*/\1/p' "$work/treerec.txt")
peak=$(sed -n 's/^sgemm_peak_gflops=//p' "$work/sgemm.txt")
awk -v a="$ours" -v b="$theirs" -v g="$gflops" -v p="$peak" 'BEGIN {
  printf "treerec %.0f samples/s, PyTorch %.0f samples/s: %.2fx; %.1f GFLOP/s = %.0f%% of sgemm peak %.1f\n",
         a, b, a / b, g, 100 * g / p, p }'
