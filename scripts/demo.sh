#!/usr/bin/env bash
# The main job on built-in data: sets up, builds, generates a synthetic behaviour log with a
# planted item hierarchy, prepares it, builds the category tree, trains TDM and JTM-H on it to
# convergence (early stopping on the validation users), runs JTM (joint learning of model and
# tree, 3 rounds, each trained to convergence) and evaluates all three (and the most-popular
# floor) on the test users, ending with one table. About 20 minutes on two cores.
# Usage: scripts/demo.sh [WORKDIR]   (default: out/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
work=${1:-out/demo}
mkdir -p "$work"
tr=./build/treerec

echo "== generate: 10,000 items, 2,000 users, 160,000 records"
$tr generate --out "$work/log.csv" --items 10000 --users 2000 --records 160000 --seed 7 \
  --truth "$work/truth.tsv"
echo "== prepare"
$tr prepare --input "$work/log.csv" --format userbehavior --out "$work/dataset.trd" \
  --valid-users 200 --test-users 200 --split-seed 7
echo "== stats"
$tr stats "$work/dataset.trd"
echo "== tree init (category tree, ALGORITHMS §3)"
$tr tree init "$work/dataset.trd" --out "$work/category.tree"
$tr tree show "$work/category.tree"

for method in tdm jtm-h; do
  echo "== train $method to convergence (at most 30 epochs, patience 3)"
  $tr train "$work/dataset.trd" --tree "$work/category.tree" --method $method \
    --out "$work/$method.trm" --seed 7 --resume
done
echo "== jtm: joint learning of model and tree (ALGORITHMS §8), 3 rounds, each trained to convergence"
$tr jtm "$work/dataset.trd" --tree "$work/category.tree" --rounds 3 --seed 7 \
  --out "$work/jtm" --resume
cp "$work/jtm/best.model" "$work/jtm.trm"
cp "$work/jtm/best.tree" "$work/jtm.tree"

tree_of() { if [ "$1" = jtm ]; then echo "$work/jtm.tree"; else echo "$work/category.tree"; fi; }
for method in tdm jtm-h jtm; do
  echo "== evaluate $method on the test users (beam search, k = M = 200)"
  $tr evaluate "$work/dataset.trd" --model "$work/$method.trm" --tree "$(tree_of $method)" --split test \
    | tee "$work/$method.metrics.txt"
done
echo "== evaluate the most-popular-items baseline"
$tr evaluate "$work/dataset.trd" --popular --split test | tee "$work/popular.metrics.txt"

echo "== test users, M = 200"
printf '%-12s %10s %10s %10s\n' method precision recall F1
for method in popular tdm jtm-h jtm; do
  awk -v m="$method" '$1 == 200 { printf "%-12s %10s %10s %10s\n", m, $2, $3, $4 }' \
    "$work/$method.metrics.txt"
done
echo "serve the JTM model: ./build/treerec serve --model $work/jtm.trm --tree $work/jtm.tree --port 8080"
