-- wrk script: GET /api/v1/items/:id with an id drawn at random per request from a file of ids
-- (one per line). Usage:
--   wrk -t2 -c64 -d15s -s bench/get_item.lua http://127.0.0.1:18081 -- /path/to/ids.txt
-- Prints one machine-readable line at the end (see common `done` below):
--   RESULT requests=... duration_s=... rps=... p50_ms=... p90_ms=... p99_ms=... max_ms=... ...
-- Non-2xx/3xx answers are counted by wrk itself (errors.status counts status >= 400) and reported
-- as bad_status; a response() callback is deliberately not defined so wrk stays as cheap as possible.

local ids = {}
local thread_no = 0

function setup(thread)
   thread_no = thread_no + 1
   thread:set("thread_no", thread_no)
end

function init(args)
   local path = args[1]
   if path == nil then
      error("get_item.lua: pass the id file after --")
   end
   for line in io.lines(path) do
      if #line > 0 then
         ids[#ids + 1] = line
      end
   end
   if #ids == 0 then
      error("get_item.lua: no ids in " .. path)
   end
   math.randomseed(os.time() + 7919 * (thread_no or 0))
end

function request()
   return wrk.format("GET", "/api/v1/items/" .. ids[math.random(#ids)])
end

function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "bad_status=%d socket_errors=%d timeouts=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, e.status, e.connect + e.read + e.write, e.timeout))
end
