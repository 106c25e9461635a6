# Sourced by bench/paper_scale.sh and bench/userbehavior_epoch.sh: pipeline stages that are
# timed once and skipped when their output exists.

# enter_workdir DIR (from the repository root): builds treerec if it is missing, sets tr to its
# path, and creates and enters DIR, where the stages write.
enter_workdir() {
  [ -x build/treerec ] || bash scripts/build.sh release
  tr=$PWD/build/treerec
  mkdir -p "$1"
  cd "$1"
}

# stage NAME OUTPUT COMMAND...: runs the command unless OUTPUT exists, its output and
# /usr/bin/time -v's report in NAME.log, and prints its wall time and peak memory.
stage() {
  local name=$1 output=$2; shift 2
  if [ -e "$output" ]; then echo "== $name: $output exists, skipped"; return; fi
  echo "== $name: $*"
  /usr/bin/time -v "$@" >"$name.log" 2>&1 || { tail -20 "$name.log" >&2; exit 1; }
  grep -E 'Elapsed \(wall|Maximum resident' "$name.log"
}

# stage_summary NAME...: one line per stage from NAME.log: wall time and peak memory.
stage_summary() {
  local s
  for s in "$@"; do
    awk -v s="$s" '/Elapsed \(wall/ { w = $NF } /Maximum resident/ { m = $NF }
      END { printf "%-13s wall %s  peak %.2f GB\n", s, w, m / 1048576 }' "$s.log"
  done
}
