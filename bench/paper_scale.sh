#!/usr/bin/env bash
# A paper-scale JTM run end to end (issue 15): a generated log the size of Amazon Books (294,739
# users, about 8M training samples over about 1.48M items: the generator's users draw from 4.6M
# items, 3,358 categories, and about 1.49M of those items occur), then prepare, the category tree, JTM-H
# trained to convergence (at most --epochs epochs), one pass of tree learning, and a second round
# warm-started on the learned tree. Every stage runs under /usr/bin/time -v; the summary gives
# its wall time and peak memory, and recall@200 on the held-back test users of both rounds and
# of the most-popular floor. Stages whose output exists are skipped, so a rerun in the same
# --workdir only does what is left (their times come from the first run's logs).
# Nothing else should run on the machine meanwhile.
#
#   bench/paper_scale.sh [--items 4600000] [--users 294739] [--records 9760000] [--epochs 10]
#                        [--test-users 5000] [--valid-users 5000] [--threads 2] [--workdir DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
items=4600000 users=294739 records=9760000 epochs=10 test=5000 valid=5000 threads=2
work=/tmp/treerec-paper-scale
while (($#)); do
  case "$1" in
    --items) items=$2 ;; --users) users=$2 ;; --records) records=$2 ;; --epochs) epochs=$2 ;;
    --test-users) test=$2 ;; --valid-users) valid=$2 ;; --threads) threads=$2 ;; --workdir) work=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
source bench/stages.sh  # enter_workdir, stage, stage_summary
enter_workdir "$work"

training=(--threads "$threads" --epochs "$epochs" --valid-users 1000)
stage generate log.csv $tr generate --out log.csv --items "$items" --users "$users" \
  --records "$records" --categories 3358 --seed 1 --threads "$threads"
stage prepare data.trd $tr prepare --input log.csv --format userbehavior --out data.trd \
  --valid-users "$valid" --test-users "$test" --split-seed 1
stage tree_init category.tree $tr tree init data.trd --out category.tree
stage train_round1 round1.model $tr train data.trd --tree category.tree --method jtm-h \
  --out round1.model "${training[@]}"
stage tree_learn learned.tree $tr tree learn data.trd --model round1.model --tree category.tree \
  --out learned.tree --threads "$threads"
stage train_round2 round2.model $tr train data.trd --tree learned.tree --method jtm-h \
  --init-model round1.model --init-tree category.tree --out round2.model "${training[@]}"
# A failed evaluation leaves no JSON behind (a rerun would skip the stage).
stage eval_popular popular.json sh -c "$tr evaluate data.trd --popular --split test --json \
  >popular.json.tmp && mv popular.json.tmp popular.json"
stage eval_round1 round1.json sh -c "$tr evaluate data.trd --model round1.model --tree category.tree \
  --split test --json --threads $threads >round1.json.tmp && mv round1.json.tmp round1.json"
stage eval_round2 round2.json sh -c "$tr evaluate data.trd --model round2.model --tree learned.tree \
  --split test --json --threads $threads >round2.json.tmp && mv round2.json.tmp round2.json"

echo "== summary ($work)"
$tr stats data.trd | grep -E '^(users|items|records|train samples)'
stage_summary generate prepare tree_init train_round1 tree_learn train_round2 eval_round1 eval_round2
for s in train_round1 train_round2; do
  echo "$s:"; grep -E '^epoch [0-9]+/[0-9]+: loss|validation|^trained' "$s.log" | sed 's/^/  /' || true
done
grep -E 'objective|moved|seconds' tree_learn.log | sed 's/^/  /' || true
for f in popular round1 round2; do
  echo "$f test recall@200: $(sed -n 's/.*"recall@200": *\([0-9.e-]*\).*/\1/p' "$f.json")"
done
