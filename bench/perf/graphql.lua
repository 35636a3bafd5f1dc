-- wrk script for bench/perf.sh: POSTs one GraphQL request body and validates every answer.
--
--   wrk ... -s bench/perf/graphql.lua URL -- BODY_FILE EXPECT [MIN_ID MAX_ID]
--
-- BODY_FILE holds the JSON body ({"query": ..., "variables": ...}). With MIN_ID and MAX_ID, every
-- occurrence of __ID__ in it is replaced, per request, by a random integer in [MIN_ID, MAX_ID].
-- An answer is valid when its status is 200, its body has no "errors" key and contains EXPECT
-- (a field name that only a successful answer carries). done() prints one line, PERF_RESULT,
-- that bench/perf.sh parses; latencies are in microseconds.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_no", counter)
  table.insert(threads, thread)
end

local body, expect, min_id, max_id, prefix, suffix

local function read_file(path)
  local f = assert(io.open(path, "rb"), "cannot open body file " .. tostring(path))
  local s = f:read("*a")
  f:close()
  return s
end

function init(args)
  assert(args[1] and args[2], "usage: -- BODY_FILE EXPECT [MIN_ID MAX_ID]")
  body = read_file(args[1])
  expect = args[2]
  ok, non200, gql_errors, unexpected = 0, 0, 0, 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if args[3] then
    min_id, max_id = tonumber(args[3]), tonumber(args[4])
    local i, j = body:find("__ID__", 1, true)
    assert(i, "MIN_ID/MAX_ID given but the body has no __ID__")
    prefix, suffix = body:sub(1, i - 1), body:sub(j + 1)
    math.randomseed(os.time() * 1000 + (thread_no or 0))
  end
end

function request()
  if prefix then
    return wrk.format(nil, nil, nil, prefix .. math.random(min_id, max_id) .. suffix)
  end
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, resp)
  if status ~= 200 then
    non200 = non200 + 1
  elseif resp:find('"errors"', 1, true) then
    gql_errors = gql_errors + 1
  elseif not resp:find(expect, 1, true) then
    unexpected = unexpected + 1
  else
    ok = ok + 1
  end
end

function done(summary, latency, requests)
  local t = { ok = 0, non200 = 0, gql_errors = 0, unexpected = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (thread:get(k) or 0)
    end
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "PERF_RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d ok=%d non200=%d gql_errors=%d unexpected=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    t.ok, t.non200, t.gql_errors, t.unexpected, socket_errors))
end
