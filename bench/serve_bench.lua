-- wrk script for bench/serve_bench.sh: POST /v1/recommend with random behaviour lists.
-- Environment: ITEMS (raw ids are "0" .. ITEMS-1, as serve_bench_files writes them),
-- BEHAVIORS per request (default 69), K (default 200), BODIES pre-built per thread (default 512),
-- BAD: the fraction of bodies that are bad requests (default 0: malformed JSON, unknown fields,
-- k out of range, wrong types; each must get a 4xx).
-- done() prints machine-readable lines: p50_ms, p99_ms, qps, errors, requests, and with BAD > 0
-- status_2xx, status_4xx, status_5xx (a 503 is overload: counted apart as status_503).
local items = tonumber(os.getenv("ITEMS") or "1477922")
local behaviors = tonumber(os.getenv("BEHAVIORS") or "69")
local k = tonumber(os.getenv("K") or "200")
local count = tonumber(os.getenv("BODIES") or "512")
local bad = tonumber(os.getenv("BAD") or "0")
local bodies = {}
local next_body = 1
local thread_index = 0
local threads = {}
local bad_bodies = {'{"behaviors": [}', '{"behaviours": []}', '{"behaviors": [], "k": 0}', '{"behaviors": "x"}',
                    '{"behaviors": [true]}', '[]', '', '{"behaviors": [], "k": 100000}'}

function setup(thread)
  thread_index = thread_index + 1
  thread:set("seed", thread_index)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(seed or 1)
  for b = 1, count do
    local ids = {}
    for i = 1, behaviors do ids[i] = tostring(math.random(0, items - 1)) end
    bodies[b] = string.format('{"behaviors": [%s], "k": %d}', table.concat(ids, ", "), k)
    if math.random() < bad then bodies[b] = bad_bodies[math.random(1, #bad_bodies)] end
  end
  s2xx, s4xx, s503, s5xx = 0, 0, 0, 0
  wrk.method = "POST"
  wrk.path = "/v1/recommend"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local body = bodies[next_body]
  next_body = next_body % count + 1
  return wrk.format(nil, nil, nil, body)
end

if bad > 0 then
  function response(status, headers, body)
    if status < 300 then s2xx = s2xx + 1
    elseif status == 503 then s503 = s503 + 1
    elseif status >= 500 then s5xx = s5xx + 1
    elseif status >= 400 then s4xx = s4xx + 1 end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("p50_ms=%.3f\np99_ms=%.3f\nqps=%.1f\nerrors=%d\nrequests=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), errors, summary.requests))
  if bad > 0 then
    local t = {0, 0, 0, 0}
    for _, thread in ipairs(threads) do
      t[1] = t[1] + thread:get("s2xx"); t[2] = t[2] + thread:get("s4xx")
      t[3] = t[3] + thread:get("s503"); t[4] = t[4] + thread:get("s5xx")
    end
    io.write(string.format("status_2xx=%d\nstatus_4xx=%d\nstatus_503=%d\nstatus_5xx=%d\n", t[1], t[2], t[3], t[4]))
  end
end
