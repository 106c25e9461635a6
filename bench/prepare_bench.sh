#!/usr/bin/env bash
# Benchmark of the data pipeline (issue 2): prepares a generated UserBehavior-format log and
# builds the category tree; reports records/s, peak memory against the dataset file size, and
# tree-init time. Medians over --repeats runs. Nothing else should run on the machine meanwhile.
#
#   bench/prepare_bench.sh [--records 100000000] [--items 4160000] [--users 1000000]
#                          [--repeats 3] [--threads 2] [--workdir /tmp/treerec-bench]
set -euo pipefail
cd "$(dirname "$0")/.."
records=100000000 items=4160000 users=1000000 repeats=3 threads=2 work=/tmp/treerec-bench
while (($#)); do
  case "$1" in
    --records) records=$2 ;; --items) items=$2 ;; --users) users=$2 ;;
    --repeats) repeats=$2 ;; --threads) threads=$2 ;; --workdir) work=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
tr=./build/treerec
[ -x "$tr" ] || bash scripts/build.sh release
mkdir -p "$work"
log="$work/ub-$records-$items-$users.csv"
if [ ! -f "$log" ]; then
  echo "generating $log" >&2
  /usr/bin/time -f "generate: %e s, peak %M KiB" \
    $tr generate --out "$log" --items "$items" --users "$users" --records "$records" --seed 1 --threads "$threads"
fi

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
prep_t=() prep_m=() tree_t=() tree_m=()
for ((i = 0; i < repeats; i++)); do
  /usr/bin/time -o "$work/time.txt" -f "%e %M" \
    $tr prepare --input "$log" --format userbehavior --out "$work/data.trd" \
      --valid-users 10000 --test-users 10000 --split-seed 1 --threads "$threads" 2>"$work/prepare.log"
  read -r t m <"$work/time.txt"; prep_t+=("$t"); prep_m+=("$m")
  /usr/bin/time -o "$work/time.txt" -f "%e %M" \
    $tr tree init "$work/data.trd" --out "$work/category.tree" 2>"$work/tree.log"
  read -r t m <"$work/time.txt"; tree_t+=("$t"); tree_m+=("$m")
done
size=$(stat -c %s "$work/data.trd")
tree_items=$($tr tree show "$work/category.tree" --json | sed -n 's/.*"items": *\([0-9]*\).*/\1/p')
pt=$(printf '%s\n' "${prep_t[@]}" | median)
pm=$(printf '%s\n' "${prep_m[@]}" | sort -g | tail -1)
tt=$(printf '%s\n' "${tree_t[@]}" | median)
tm=$(printf '%s\n' "${tree_m[@]}" | sort -g | tail -1)
awk -v r="$records" -v pt="$pt" -v pm="$pm" -v size="$size" -v tt="$tt" -v tm="$tm" \
    -v ti="$tree_items" -v n="$repeats" -v th="$threads" 'BEGIN {
  printf "prepare: %d records in %.2f s (median of %d, %d threads) = %.2f M records/s\n", r, pt, n, th, r / pt / 1e6
  printf "prepare: peak RSS %.2f GiB, dataset file %.2f GiB, ratio %.2f\n", pm / 1048576, size / 1073741824, pm * 1024 / size
  printf "tree init: %s items in %.2f s (median), peak RSS %.2f GiB\n", ti, tt, tm / 1048576
}'
