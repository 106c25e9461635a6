#!/usr/bin/env bash
# Crash-safety campaign (docs/RELIABILITY.md): `treerec train`, `treerec jtm` and
# `treerec tree learn` on generated data, each killed with SIGKILL at --kills random moments
# (checkpoint writes included: train checkpoints after every batch), then resumed (`--resume`;
# tree learn, which has no checkpoint, runs again). Every resumed result must be identical to
# an uninterrupted run: the same parameters (`treerec stats`: parameters_xxh3) and the same
# tree (assignment_xxh3). Prints one line per kill and a summary; exits non-zero on any
# difference.
#
#   scripts/kill_campaign.sh [--kills 20] [--seed 1] [--work /tmp/treerec-kill-campaign]
set -euo pipefail
cd "$(dirname "$0")/.."
kills=20 seed=1 work=/tmp/treerec-kill-campaign
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills=$2 ;; --seed) seed=$2 ;; --work) work=$2 ;;
    *) echo "usage: scripts/kill_campaign.sh [--kills N] [--seed S] [--work DIR]" >&2; exit 2 ;;
  esac
  shift 2
done
[ -x build/treerec ] || bash scripts/build.sh release
bin=$(pwd)/build/treerec
rm -rf "$work"
mkdir -p "$work"
cd "$work"
RANDOM=$seed

"$bin" generate --out log.csv --items 1000 --users 600 --records 20000 --seed 3 2>/dev/null
"$bin" prepare --input log.csv --format userbehavior --out data.trd --valid-users 50 --test-users 0 2>/dev/null
"$bin" tree init data.trd --out category.tree 2>/dev/null
"$bin" train data.trd --tree category.tree --method jtm-h --epochs 2 --patience 0 --out start.trm 2>/dev/null

fingerprint() {  # FILE KEY
  "$bin" stats "$1" --json | sed -n "s/.*\"$2\": \"\([0-9a-f]*\)\".*/\1/p"
}
# The command of each kind, writing to $1 (a file, or a folder for jtm).
command_of() {  # KIND OUT
  case "$1" in
    train) echo "train data.trd --tree category.tree --method jtm-h --epochs 2 --patience 0 --checkpoint-every 1 --out $2" ;;
    jtm) echo "jtm data.trd --tree category.tree --rounds 2 --epochs 1 --patience 0 --out $2" ;;
    learn) echo "tree learn data.trd --model start.trm --tree category.tree --out $2" ;;
  esac
}
result_of() {  # KIND OUT: the fingerprints that must match
  case "$1" in
    train) fingerprint "$2" parameters_xxh3 ;;
    jtm) echo "$(fingerprint "$2/best.model" parameters_xxh3) $(fingerprint "$2/best.tree" assignment_xxh3)" ;;
    learn) fingerprint "$2" assignment_xxh3 ;;
  esac
}
output_of() {  # KIND N
  case "$1" in train) echo "m$2.trm" ;; jtm) echo "jtm$2" ;; learn) echo "t$2.tree" ;; esac
}

total_kills=0 total_same=0 total_late=0 failed=0
for kind in train jtm learn; do
  ref=$(output_of "$kind" ref)
  start=$(date +%s%N)
  # shellcheck disable=SC2046
  "$bin" $(command_of "$kind" "$ref") 2>"$kind-ref.log"
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  expected=$(result_of "$kind" "$ref")
  echo "== $kind: uninterrupted run ${ms} ms, result $expected"
  n=0 late=0
  while [ $n -lt "$kills" ]; do
    out=$(output_of "$kind" "$((n + late))")
    delay=$(( ms * (2 + RANDOM % 96) / 100 ))  # 2 % to 97 % of the uninterrupted time
    # shellcheck disable=SC2046
    "$bin" $(command_of "$kind" "$out") 2>"$kind-$n.log" &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    if ! kill -KILL "$pid" 2>/dev/null; then
      wait "$pid" || true
      late=$((late + 1))  # finished before the kill: not counted
      continue
    fi
    wait "$pid" 2>/dev/null || true
    resume=""
    [ "$kind" = learn ] || resume="--resume"
    # shellcheck disable=SC2046
    if ! "$bin" $(command_of "$kind" "$out") $resume 2>>"$kind-$n.log"; then
      echo "$kind kill $((n + 1)) at ${delay} ms: the resumed run FAILED (see $work/$kind-$n.log)"
      failed=$((failed + 1))
    else
      got=$(result_of "$kind" "$out")
      if [ "$got" = "$expected" ]; then
        total_same=$((total_same + 1))
        echo "$kind kill $((n + 1)) at ${delay} ms: identical"
      else
        echo "$kind kill $((n + 1)) at ${delay} ms: DIFFERENT ($got)"
        failed=$((failed + 1))
      fi
    fi
    leftovers=$(find . -name "*.tmp.*" | wc -l)
    if [ "$leftovers" -gt 0 ]; then
      echo "$kind kill $((n + 1)): $leftovers temporary files left after the resume"
      failed=$((failed + 1))
    fi
    n=$((n + 1))
    rm -rf "$out"
  done
  total_kills=$((total_kills + n))
  total_late=$((total_late + late))
done
echo "kills=$total_kills identical=$total_same finished_before_the_kill=$total_late failures=$failed"
[ "$failed" -eq 0 ]
