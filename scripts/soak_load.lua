-- wrk script for scripts/soak.sh: a mixed, paced load on the items API.
--   wrk -t2 -c8 -d10s --latency -s scripts/soak_load.lua http://127.0.0.1:18281 -- <ids-file> <delay-ms>
-- Each request is, at random: 70% GET /api/v1/items/:id (id from the file), 20% GET /api/v1/items (a list
-- page), 10% POST /api/v1/items. Each connection waits <delay-ms> between requests, so the rate is about
-- connections * 1000 / (delay-ms + latency): a fixed moderate load, not wrk's usual saturation (wrk2, which
-- paces by itself, is not packaged by Debian).
-- The last line is machine-readable:
--   RESULT requests=... duration_s=... rps=... p50_ms=... p99_ms=... max_ms=... bad_status=... socket_errors=... timeouts=...

local threads = {}
local thread_no = 0

function setup(thread)
   thread_no = thread_no + 1
   thread:set("thread_no", thread_no)
   table.insert(threads, thread)
end

local ids = {}
local pause_ms = 0
local create_body = '{"name":"Soak lot","description":"Soak test item","currencyCode":"USD",' ..
   '"startPrice":"100.00","bidIncrement":"5.00",' ..
   '"startDate":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ") .. '","endDate":"' ..
   os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 7 * 86400) .. '"}'
local create_headers = {["Content-Type"] = "application/json", ["X-User-ID"] = "soak-seller"}
local sorts = {"", "&sort=currentPrice", "&sort=-endDate", "&status=active"}

-- Per-thread counters, read by done() through thread:get.
bad = 0
first_bad = ""

function init(args)
   local path = args[1]
   if path == nil then
      error("soak_load.lua: pass the id file (and the delay in ms) after --")
   end
   for line in io.lines(path) do
      if #line > 0 then
         ids[#ids + 1] = line
      end
   end
   if #ids == 0 then
      error("soak_load.lua: no ids in " .. path)
   end
   pause_ms = tonumber(args[2] or "0")
   math.randomseed(os.time() + 7919 * (thread_no or 0))
end

function delay()
   return pause_ms
end

function request()
   local r = math.random(100)
   if r <= 70 then
      return wrk.format("GET", "/api/v1/items/" .. ids[math.random(#ids)])
   elseif r <= 90 then
      local path = "/api/v1/items?limit=20&page=" .. math.random(5) .. sorts[math.random(#sorts)]
      return wrk.format("GET", path)
   end
   return wrk.format("POST", "/api/v1/items", create_headers, create_body)
end

function response(status, headers, body)
   if status >= 300 then
      bad = bad + 1
      if first_bad == "" then
         first_bad = status .. " " .. string.sub(body or "", 1, 200)
      end
   end
end

function done(summary, latency, requests)
   local bad_total, sample = 0, ""
   for _, t in ipairs(threads) do
      bad_total = bad_total + (t:get("bad") or 0)
      local fb = t:get("first_bad")
      if sample == "" and fb ~= nil then
         sample = fb
      end
   end
   if bad_total > 0 then
      io.write("BAD first=" .. sample:gsub("\n", " ") .. "\n")
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "bad_status=%d socket_errors=%d timeouts=%d\n",
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
      bad_total, e.connect + e.read + e.write, e.timeout))
end
