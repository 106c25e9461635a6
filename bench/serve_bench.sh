#!/usr/bin/env bash
# Serving load test (docs/SERVING.md): `treerec serve` on loopback with an untrained JTM-H model
# on a balanced tree of 1.48M items (bench/serve_bench_files), loaded by wrk posting random
# 69-behaviour lists at k = 200 (bench/serve_bench.lua). Two runs of --duration seconds each:
#   1. steady load: p50 / p99 latency, QPS, errors, and the server's resident memory every
#      --rss-every seconds (it should stay flat);
#   2. the same with POST /admin/reload every --reload-every seconds (no request may fail).
# Nothing else should run on the machine meanwhile. A smoke run: --items 20000 --duration 5.
#
# The soak of docs/RELIABILITY.md: --bad 0.05 --steady no --duration 300 (5 % bad requests, each
# must get a 4xx; no 5xx but the configured 503s).
#   bench/serve_bench.sh [--items 1477922] [--duration 300] [--connections CORES] [--bad 0] [--steady yes]
#                        [--wrk-threads 2] [--server-threads 0] [--k 200] [--method jtm-h]
#                        [--reload-every 10] [--rss-every 5] [--warmup 5] [--port 18080]
#                        [--workdir /tmp/treerec-serve-bench]
set -euo pipefail
cd "$(dirname "$0")/.."
cores=$(nproc)
items=1477922 duration=300 connections=$cores wrk_threads=2 server_threads=0 k=200 method=jtm-h
reload_every=10 rss_every=5 warmup=5 port=18080 work=/tmp/treerec-serve-bench bad=0 steady=yes
while (($#)); do
  case "$1" in
    --items) items=$2 ;; --duration) duration=$2 ;; --connections) connections=$2 ;;
    --wrk-threads) wrk_threads=$2 ;; --server-threads) server_threads=$2 ;; --k) k=$2 ;;
    --method) method=$2 ;; --reload-every) reload_every=$2 ;; --rss-every) rss_every=$2 ;;
    --warmup) warmup=$2 ;; --port) port=$2 ;; --workdir) work=$2 ;;
    --bad) bad=$2 ;; --steady) steady=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
((wrk_threads > connections)) && wrk_threads=$connections
[ -x build/serve_bench_files ] && [ -x build/treerec ] || bash scripts/build.sh release
mkdir -p "$work"
files="$work/$method-$items"
[ -f "$files/bench.trm" ] || ./build/serve_bench_files "$files" --items "$items" --method "$method"

url="http://127.0.0.1:$port"
token="bench-admin-token-$(date +%s%N)"
echo "$token" >"$work/admin.token"
# Every connection gets a slot: more connections than --max-concurrent would be answered 503.
./build/treerec serve --model "$files/bench.trm" --tree "$files/bench.tree" --port "$port" \
  --threads "$server_threads" --max-concurrent "$connections" --admin-token-file "$work/admin.token" \
  2>"$work/serve.err" &
server=$!
trap 'kill -TERM $server 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  grep -q "listening on" "$work/serve.err" 2>/dev/null && break
  kill -0 $server 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
  sleep 0.5
done
grep "listening on" "$work/serve.err" >&2

export ITEMS=$items K=$k BAD=$bad
run_wrk() {  # seconds output-file
  wrk -t "$wrk_threads" -c "$connections" -d "${1}s" --timeout 10s -s bench/serve_bench.lua "$url" >"$2"
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
sample_rss() {  # output-file; runs until killed
  local start=$SECONDS
  while true; do
    echo "$((SECONDS - start)) $(rss_kb)" >>"$1"
    sleep "$rss_every"
  done
}
report() {  # name wrk-output rss-series
  local name=$1
  echo "== $name"
  grep -E '^(p50_ms|p99_ms|qps|errors|requests|status_[0-9x]+)=' "$2"
  awk '{printf "%s%ss %.0f MB", (NR > 1 ? ", " : "rss: "), $1, $2 / 1024} END {print ""}' "$3"
  awk 'NR == 1 {first = $2} {if ($2 > max) max = $2; last = $2}
       END {printf "rss_first_mb=%.0f\nrss_last_mb=%.0f\nrss_max_mb=%.0f\n", first / 1024, last / 1024, max / 1024}' "$3"
}

echo "== warm-up ${warmup}s"
run_wrk "$warmup" "$work/warmup.txt"

rm -f "$work/rss-steady.txt" "$work/rss-reload.txt"
if [ "$steady" = yes ]; then
  sample_rss "$work/rss-steady.txt" &
  sampler=$!
  run_wrk "$duration" "$work/wrk-steady.txt"
  kill $sampler
  report "steady load: $connections connections, k = $k, ${duration}s" "$work/wrk-steady.txt" "$work/rss-steady.txt"
fi

sample_rss "$work/rss-reload.txt" &
sampler=$!
(
  ok=0 failed=0
  while true; do
    sleep "$reload_every"
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -X POST "$url/admin/reload" || echo 000)
    if [ "$code" = 200 ]; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
    echo "reloads_ok=$ok reloads_failed=$failed" >"$work/reloads.txt"
  done
) &
reloader=$!
run_wrk "$duration" "$work/wrk-reload.txt"
kill $sampler $reloader
report "with a reload every ${reload_every}s" "$work/wrk-reload.txt" "$work/rss-reload.txt"
cat "$work/reloads.txt" 2>/dev/null || echo "reloads_ok=0 reloads_failed=0"

kill -TERM $server
wait $server || true
trap - EXIT
tail -n 2 "$work/serve.err" >&2
