#!/usr/bin/env bash
# Data-parallel training under Open MPI (issue 14, docs/DISTRIBUTED.md) on the training
# benchmark's data (bench/train_bench.sh: 1.48M items, JTM-H, batch 256, 100 negatives):
# samples/s at np 1 x 2 threads, np 2 x 1 thread and np 2 x 2 threads (oversubscribed), the
# bytes each rank sends per step, and the step's exchange timed alone against the cost model's
# prediction from the latency and bandwidth measured in the same run. Then one tree-learning
# pass (build/tree_learn_bench, 50k items, 250k samples, gap 7) at np 1 x 2 threads and np 2 x 1
# thread, with the bytes each rank sent. Run on a quiet machine.
#
#   bench/mpi_bench.sh [--steps 30] [--method jtm-h] [--workdir DIR] [--learn-items 50000]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=30 method=jtm-h work=/tmp/treerec-train-bench learn_items=50000
while (($#)); do
  case "$1" in
    --steps) steps=$2 ;; --method) method=$2 ;; --workdir) work=$2 ;; --learn-items) learn_items=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ -x build/train_bench ] || bash scripts/build.sh release
bash bench/train_bench.sh --data-only --workdir "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
run() {  # ranks threads
  echo "== np $1 x $2 threads"
  local launch=()
  [ "$1" -gt 1 ] && launch=(mpirun --oversubscribe --bind-to none -np "$1")
  "${launch[@]}" ./build/train_bench "$work/data.trd" "$work/category.tree" --method "$method" \
    --steps "$steps" --threads "$2" | grep -E "step_ms|samples_per_sec|rank|latency|exchange|rss"
}
run 1 2
run 2 1
run 2 2
learn() {  # ranks threads
  echo "== tree learning, np $1 x $2 threads"
  local launch=()
  [ "$1" -gt 1 ] && launch=(mpirun --oversubscribe --bind-to none -np "$1")
  "${launch[@]}" ./build/tree_learn_bench --items "$learn_items" --samples $((learn_items * 5)) --threads "$2" |
    grep -E "pass:|gap|rank|rss"
}
learn 1 2
learn 2 1
