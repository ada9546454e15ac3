-- wrk script of the benchmarks. Arguments after `--`:
--   BODY [METHOD] [HEADER...]
-- BODY is a file whose content is sent (`-` for none); METHOD is POST (default) or GET;
-- each HEADER is `Name: value`. When the body contains `@N@`, every request replaces it
-- with a number of its own (so that each write changes something).
-- It counts the answers that are not 200 or that carry GraphQL `errors`, and ends with
-- one line of JSON that the driver reads:
--   {"requests":..,"seconds":..,"p50_us":..,"p99_us":..,"failed":..,"socket_errors":..}
--   wrk -t2 -c16 -d10s --latency -s bench/wrk/request.lua URL -- body.json
--   wrk -t2 -c16 -d10s --latency -s bench/wrk/request.lua URL -- - GET

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  failed = 0
  local body = args[1]
  wrk.method = args[2] or "POST"
  if body and body ~= "-" then
    local file = assert(io.open(body, "r"))
    wrk.body = file:read("*a")
    file:close()
    wrk.headers["Content-Type"] = "application/json"
  end
  for i = 3, #args do
    local name, value = string.match(args[i], "^([^:]+):%s*(.*)$")
    wrk.headers[name] = value
  end
  if wrk.body and string.find(wrk.body, "@N@", 1, true) then
    template = wrk.body
  end
end

function request()
  if template then
    counter = counter + 1
    local n = tostring(id * 100000000 + counter)
    return wrk.format(nil, nil, nil, (string.gsub(template, "@N@", n)))
  end
  return wrk.request()
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("failed")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%f,"p50_us":%d,"p99_us":%d,"failed":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    total, e.connect + e.read + e.write + e.timeout))
end
