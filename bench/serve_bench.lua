-- wrk script for bench/serve_bench.sh: POST /v1/recommend with random behaviour lists.
-- Environment: ITEMS (raw ids are "0" .. ITEMS-1, as serve_bench_files writes them),
-- BEHAVIORS per request (default 69), K (default 200), BODIES pre-built per thread (default 512).
-- done() prints machine-readable lines: p50_ms, p99_ms, qps, errors, requests.
local items = tonumber(os.getenv("ITEMS") or "1477922")
local behaviors = tonumber(os.getenv("BEHAVIORS") or "69")
local k = tonumber(os.getenv("K") or "200")
local count = tonumber(os.getenv("BODIES") or "512")
local bodies = {}
local next_body = 1
local thread_index = 0

function setup(thread)
  thread_index = thread_index + 1
  thread:set("seed", thread_index)
end

function init(args)
  math.randomseed(seed or 1)
  for b = 1, count do
    local ids = {}
    for i = 1, behaviors do ids[i] = tostring(math.random(0, items - 1)) end
    bodies[b] = string.format('{"behaviors": [%s], "k": %d}', table.concat(ids, ", "), k)
  end
  wrk.method = "POST"
  wrk.path = "/v1/recommend"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = bodies[next_body]
  next_body = next_body % count + 1
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("p50_ms=%.3f\np99_ms=%.3f\nqps=%.1f\nerrors=%d\nrequests=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), errors, summary.requests))
end
