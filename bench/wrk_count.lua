-- The wrk script of bench_case_create.py: sends one request over and over and counts the
-- responses by status.
--
--   wrk -t THREADS -c CONNECTIONS -d SECONDS -s bench/wrk_count.lua URL -- METHOD TOKEN [BODY_FILE]
--
-- Prints one line of JSON when done: the count of each status, socket errors, the measured
-- duration and the latency percentiles (microseconds, from the request's write to the end of
-- its response; wrk reconnects when the server closes, as gunicorn's sync workers do).

-- Global: the main thread reads each thread's counts with thread:get().
counts = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = args[1]
  wrk.headers["Authorization"] = "Token " .. args[2]
  if args[3] then
    local file = assert(io.open(args[3], "rb"))
    wrk.body = file:read("*a")
    file:close()
    wrk.headers["Content-Type"] = "application/json"
  end
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("counts")) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, string.format('"%d": %d', status, n))
  end
  local errors = summary.errors
  io.write(string.format(
    '{"statuses": {%s}, "duration_us": %d, "requests": %d, "p50_us": %d, "p95_us": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    table.concat(parts, ", "), summary.duration, summary.requests,
    latency:percentile(50), latency:percentile(95),
    errors.connect, errors.read, errors.write, errors.status, errors.timeout
  ))
end
