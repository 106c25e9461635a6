#!/usr/bin/env bash
# The main job on built-in data: sets up, builds, generates a synthetic behaviour log with a
# planted item hierarchy, prepares it, builds the category tree and shows what was made.
# Usage: scripts/demo.sh [WORKDIR]   (default: out/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
work=${1:-out/demo}
mkdir -p "$work"
tr=./build/treerec

echo "== generate: 20,000 items, 4,000 users, 400,000 records"
$tr generate --out "$work/log.csv" --items 20000 --users 4000 --records 400000 --seed 7 \
  --truth "$work/truth.tsv"
echo "== prepare"
$tr prepare --input "$work/log.csv" --format userbehavior --out "$work/dataset.trd" \
  --valid-users 400 --test-users 400 --seed 7
echo "== stats"
$tr stats "$work/dataset.trd"
echo "== tree init (category tree, SPEC §3)"
$tr tree init "$work/dataset.trd" --out "$work/category.tree"
$tr tree show "$work/category.tree"
