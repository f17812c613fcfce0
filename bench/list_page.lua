-- wrk script: the same GET (path and query passed after --) on every request, for bench/list_bench.sh.
--   wrk -t1 -c2 -d10s -s bench/list_page.lua http://127.0.0.1:18082 -- '/api/v1/items?page=10000'
-- Prints one machine-readable line at the end:
--   RESULT requests=... duration_s=... rps=... p50_ms=... p90_ms=... p99_ms=... max_ms=... bad_status=...
-- Answers of status >= 400 are counted by wrk itself (errors.status); no response() callback, so wrk stays cheap.

local path = nil

function init(args)
   path = args[1]
   if path == nil or path:sub(1, 1) ~= "/" then
      error("list_page.lua: pass the path and query after --")
   end
end

function request()
   return wrk.format("GET", path)
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
