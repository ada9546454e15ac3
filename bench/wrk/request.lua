-- wrk script of the benchmarks: sends the request described by the file given after `--`
-- (a GraphQL request in JSON, POSTed; or, with `GET` as the second argument, a plain GET
-- of the URL), and counts the answers that are not 200 or that carry GraphQL `errors`.
--   wrk -t2 -c16 -d10s --latency -s bench/wrk/request.lua URL -- BODY.json
--   wrk -t2 -c16 -d10s --latency -s bench/wrk/request.lua URL -- - GET

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  failed = 0
  if args[2] == "GET" then
    wrk.method = "GET"
  else
    local file = assert(io.open(args[1], "r"))
    wrk.body = file:read("*a")
    file:close()
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
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
  io.write(string.format("failed responses: %d\n", total))
end
