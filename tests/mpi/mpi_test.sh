#!/usr/bin/env bash
# The same commands under `mpirun -np 2` and on one process, on a small generated data set
# (docs/DISTRIBUTED.md): train, evaluate, tree learn and jtm give identical files and metrics; a
# kill -9 of one rank, then --resume, ends with the uninterrupted model; a rank that cannot read
# its input, or reads other inputs, ends the whole job with a message naming the file.
# Usage: tests/mpi/mpi_test.sh path/to/treerec   (ctest runs it as mpi_tests)
set -euo pipefail
T=$(realpath "$1")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# A command that fails names itself and shows what the commands wrote (log.txt).
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2; tail -40 "$W/log.txt" >&2' ERR
cd "$W"
# Open MPI refuses root without these (CI runs as root); --oversubscribe: 2 ranks on 1-2 cores.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Containers often forbid the cross-process reads (CMA) of Open MPI's shared-memory transport.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
MPI=(timeout 300 mpirun --oversubscribe -np 2)
fail() { echo "FAIL: $*" >&2; exit 1; }
params() { "$T" stats "$1" --json 2>>log.txt | python3 -c 'import json,sys; print(json.load(sys.stdin)["parameters_xxh3"])'; }
# evaluate --json without its timings
metrics() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [d.pop(k) for k in list(d) if "seconds" in k]; print(json.dumps(d, sort_keys=True))' "$1"; }

"$T" generate --out g.csv --items 1500 --users 500 --records 25000 --seed 3 2>>log.txt
"$T" prepare --input g.csv --out d.trd 2>>log.txt
"$T" tree init d.trd --out t.tree 2>>log.txt
TRAIN=(train d.trd --tree t.tree --method jtm-h --epochs 3 --patience 0)

echo "train: np 1 x 2 threads against np 2 x 1 thread"
"$T" "${TRAIN[@]}" --out m1.trm --threads 2 2>>log.txt
"${MPI[@]}" "$T" "${TRAIN[@]}" --out m2.trm --threads 1 2>>log.txt
[ "$(params m1.trm)" = "$(params m2.trm)" ] || fail "train: np 2 gave another model ($(params m2.trm), np 1: $(params m1.trm))"
echo "  same parameters: $(params m1.trm)"

echo "train dnn (brute-force validation): np 1 against np 2"
"$T" train d.trd --tree t.tree --method dnn --epochs 2 --out n1.trm 2>>log.txt
"${MPI[@]}" "$T" train d.trd --tree t.tree --method dnn --epochs 2 --out n2.trm 2>>log.txt
[ "$(params n1.trm)" = "$(params n2.trm)" ] || fail "train dnn: np 2 gave another model"

echo "evaluate: np 1 against np 2"
"$T" evaluate d.trd --model m1.trm --tree t.tree --split test --json > e1.json 2>>log.txt
"${MPI[@]}" "$T" evaluate d.trd --model m1.trm --tree t.tree --split test --json > e2.json 2>>log.txt
[ "$(metrics e1.json)" = "$(metrics e2.json)" ] || fail "evaluate: np 2 reported other metrics"
"$T" evaluate d.trd --model n1.trm --tree t.tree --split test --json > f1.json 2>>log.txt
"${MPI[@]}" "$T" evaluate d.trd --model n1.trm --tree t.tree --split test --json > f2.json 2>>log.txt
[ "$(metrics f1.json)" = "$(metrics f2.json)" ] || fail "evaluate (brute force): np 2 reported other metrics"
# One user for two ranks: rank 1 answers no query.
"$T" evaluate d.trd --model m1.trm --tree t.tree --split test --max-users 1 --json > o1.json 2>>log.txt
"${MPI[@]}" "$T" evaluate d.trd --model m1.trm --tree t.tree --split test --max-users 1 --json > o2.json 2>>log.txt
[ "$(metrics o1.json)" = "$(metrics o2.json)" ] || fail "evaluate of one user: np 2 reported other metrics"

echo "tree learn: np 1 against np 2"
"$T" tree learn d.trd --model m1.trm --tree t.tree --gap 3 --out l1.tree 2>>log.txt
"${MPI[@]}" "$T" tree learn d.trd --model m1.trm --tree t.tree --gap 3 --out l2.tree 2>>log.txt
cmp -s l1.tree l2.tree || fail "tree learn: np 2 learned another tree"

echo "jtm: np 1 against np 2"
"$T" jtm d.trd --tree t.tree --out j1 --rounds 2 --epochs 2 2>>log.txt
"${MPI[@]}" "$T" jtm d.trd --tree t.tree --out j2 --rounds 2 --epochs 2 2>>log.txt
cmp -s j1/best.tree j2/best.tree || fail "jtm: np 2 chose another tree"
[ "$(params j1/best.model)" = "$(params j2/best.model)" ] || fail "jtm: np 2 chose another model"

echo "kill -9 of one rank of np 2, then --resume under np 3"
LONG=(train d.trd --tree t.tree --method jtm-h --epochs 4 --patience 0 --threads 1 --checkpoint-every 3)
"$T" "${LONG[@]}" --out k1.trm 2>>log.txt
mpirun --oversubscribe -np 2 "$T" "${LONG[@]}" --out k2.trm >> log.txt 2>&1 &
launcher=$!
for _ in $(seq 600); do [ -f k2.trm.ckpt ] && break; sleep 0.05; done
[ -f k2.trm.ckpt ] || fail "no checkpoint appeared"
victim=$(pgrep -P "$launcher" -f "treerec train" | tail -1 || true)
[ -n "$victim" ] || fail "no rank process found under mpirun"
kill -9 "$victim"
if wait "$launcher"; then fail "mpirun exited 0 after a rank was killed"; fi
[ ! -f k2.trm ] || fail "a model was written by the killed job"
timeout 300 mpirun --oversubscribe -np 3 "$T" "${LONG[@]}" --out k2.trm --resume >> log.txt 2>&1
[ "$(params k1.trm)" = "$(params k2.trm)" ] || fail "resume after kill -9 gave another model"
[ ! -f k2.trm.ckpt ] || fail "the checkpoint was left behind"

echo "errors: one rank cannot read the dataset; one rank has another tree; serve under mpirun"
rc=0  # a command in an || list fails without the ERR trap
timeout 120 mpirun --oversubscribe -np 1 "$T" "${TRAIN[@]}" --out x.trm : -np 1 "$T" train missing.trd --tree t.tree \
  --method jtm-h --epochs 3 --patience 0 --out x.trm > err1.log 2>&1 || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "a rank without its dataset: exit $rc (124 = hung)"
grep -q "missing.trd" err1.log || fail "the error does not name the missing file: $(cat err1.log)"
cmp -s t.tree l1.tree && fail "tree learning moved no item: no second tree for this check"
rc=0
timeout 120 mpirun --oversubscribe -np 1 "$T" "${TRAIN[@]}" --out y.trm : -np 1 "$T" train d.trd --tree l1.tree \
  --method jtm-h --epochs 3 --patience 0 --out y.trm > err2.log 2>&1 || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "ranks with different trees: exit $rc (124 = hung)"
grep -q "every rank must be given the same files" err2.log || fail "no clear message for different inputs: $(cat err2.log)"
[ ! -f y.trm ] || fail "a model was written from different inputs"
rc=0
timeout 120 mpirun --oversubscribe -np 2 "$T" serve --model m1.trm --tree t.tree --port 0 > err3.log 2>&1 || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "serve under mpirun: exit $rc (124 = hung)"
grep -q "serve runs as one process" err3.log || fail "serve under mpirun gave no clear message: $(cat err3.log)"
echo "mpi tests passed"
