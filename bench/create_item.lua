-- wrk script: POST /api/v1/items with a fixed JSON body as user "bench-user". Usage:
--   wrk -t2 -c64 -d15s -s bench/create_item.lua http://127.0.0.1:18081
-- Every answer other than 201 Created counts as an error; the statuses seen and the first error
-- body are printed. The last line is machine-readable:
--   RESULT requests=... duration_s=... rps=... p50_ms=... p90_ms=... p99_ms=... max_ms=... non201=... ...

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-User-ID"] = "bench-user"
-- The dates follow the clock (an item's end must be in the future): started now, ending in 7 days.
wrk.body = '{"name":"Vintage Camera","description":"Rare 1960s camera","currencyCode":"USD",' ..
   '"startPrice":"100.00","bidIncrement":"5.00",' ..
   '"startDate":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ") .. '","endDate":"' ..
   os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 7 * 86400) .. '"}'

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua state; done() reads it through thread:get).
non201 = 0
statuses = {}
first_error = ""

function response(status, headers, body)
   if status ~= 201 then
      non201 = non201 + 1
      local key = tostring(status)
      statuses[key] = (statuses[key] or 0) + 1
      if first_error == "" then
         first_error = string.sub(body or "", 1, 300)
      end
   end
end

function done(summary, latency, requests)
   local bad, seen, sample = 0, {}, ""
   for _, t in ipairs(threads) do
      bad = bad + (t:get("non201") or 0)
      for k, v in pairs(t:get("statuses") or {}) do
         seen[k] = (seen[k] or 0) + v
      end
      local fe = t:get("first_error")
      if sample == "" and fe ~= nil then
         sample = fe
      end
   end
   if bad > 0 then
      local parts = {}
      for k, v in pairs(seen) do
         parts[#parts + 1] = k .. "x" .. v
      end
      io.write("NON201 statuses=" .. table.concat(parts, ",") .. " first_body=" .. sample:gsub("\n", " ") .. "\n")
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "non201=%d socket_errors=%d timeouts=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, bad, e.connect + e.read + e.write, e.timeout))
end
