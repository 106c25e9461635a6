#!/usr/bin/env bash
# One training epoch at Taobao UserBehavior's scale (issue 15): a generated log of 100,150,807
# records from 987,994 users (94.2M training samples) over about 4.4M items (UserBehavior has
# 4.16M; the generator's users draw from --items items in 9,439 categories), prepared, on its
# category tree, JTM-H with the paper's shapes (embedding 24, 100 negatives, batch 256). Reports
# each stage's wall time and peak memory (/usr/bin/time -v) and the training rate.
# --max-batches N stops the epoch after N batches, leaving its checkpoint: a time-boxed run
# gives the rate and the memory of a part of the epoch, and the next run in the same --workdir
# continues the epoch from the checkpoint (one train-N.log per run; the epoch's line in the last
# one gives the seconds of all its batches). Stages whose output exists are skipped.
# Nothing else should run on the machine meanwhile.
#
#   bench/userbehavior_epoch.sh [--items 5400000] [--max-batches 0] [--threads 2] [--workdir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
items=5400000 max_batches=0 threads=2 work=/tmp/treerec-userbehavior
while (($#)); do
  case "$1" in
    --items) items=$2 ;; --max-batches) max_batches=$2 ;; --threads) threads=$2 ;; --workdir) work=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
source bench/stages.sh  # enter_workdir, stage, stage_summary
enter_workdir "$work"

stage generate log.csv $tr generate --out log.csv --items "$items" --users 987994 \
  --records 100150807 --categories 9439 --seed 1 --threads "$threads"
stage prepare data.trd $tr prepare --input log.csv --format userbehavior --out data.trd \
  --valid-users 5000 --test-users 5000 --split-seed 1
stage tree_init category.tree $tr tree init data.trd --out category.tree
shopt -s nullglob
runs=(train-*.log) resume=()
run=$((${#runs[@]} + 1))
[ -e epoch.model.ckpt ] && resume=(--resume)
stage "train-$run" epoch.model $tr train data.trd --tree category.tree --method jtm-h --out epoch.model \
  --epochs 1 --valid-users 1000 --threads "$threads" --max-batches "$max_batches" "${resume[@]}"

echo "== summary ($work)"
$tr stats data.trd | grep -E '^(users|items|records|train samples)'
runs=(train-*.log)
stage_summary generate prepare tree_init "${runs[@]%.log}"
for f in train-*.log; do echo "$f:"; grep -E '^epoch|^resuming|^trained|validation' "$f" | tail -3; done
