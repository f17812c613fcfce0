-- wrk script for scripts/rolling_restart.sh: a steady, paced mix of item reads and writes through HAProxy.
--   wrk -t2 -c6 -d120s --timeout 5s -s tests/rolling/load.lua http://127.0.0.1:18400 -- <ids-file> <delay-ms>
-- Each request is, at random: 70% GET /api/v1/items/:id (an id from the file), 30% POST /api/v1/items. Each
-- connection waits <delay-ms> between requests (a moderate load, not wrk's saturation). Any answer other than
-- 200/201 is a failure, and so is every socket error or timeout wrk counts. The script stops wrk with SIGINT.
-- The last line is machine-readable:
--   RESULT requests=... gets=... posts=... duration_s=... rps=... p99_ms=... max_ms=... bad_status=... socket_errors=... timeouts=...

local threads = {}
local thread_no = 0

function setup(thread)
   thread_no = thread_no + 1
   thread:set("thread_no", thread_no)
   table.insert(threads, thread)
end

local ids = {}
local pause_ms = 0
local create_body = '{"name":"Rolling restart lot","description":"Created during a rolling restart",' ..
   '"currencyCode":"USD","startPrice":"100.00","bidIncrement":"5.00",' ..
   '"startDate":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ") .. '","endDate":"' ..
   os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 7 * 86400) .. '"}'
local create_headers = {["Content-Type"] = "application/json", ["X-User-ID"] = "rolling-seller"}

-- Per-thread counters, read by done() through thread:get.
bad = 0
first_bad = ""
gets = 0
posts = 0

function init(args)
   local path = args[1]
   if path == nil then
      error("load.lua: pass the id file (and the delay in ms) after --")
   end
   for line in io.lines(path) do
      if #line > 0 then
         ids[#ids + 1] = line
      end
   end
   if #ids == 0 then
      error("load.lua: no ids in " .. path)
   end
   pause_ms = tonumber(args[2] or "0")
   math.randomseed(os.time() + 7919 * (thread_no or 0))
end

function delay()
   return pause_ms
end

function request()
   if math.random(100) <= 70 then
      gets = gets + 1
      return wrk.format("GET", "/api/v1/items/" .. ids[math.random(#ids)])
   end
   posts = posts + 1
   return wrk.format("POST", "/api/v1/items", create_headers, create_body)
end

function response(status, headers, body)
   if status ~= 200 and status ~= 201 then
      bad = bad + 1
      if first_bad == "" then
         first_bad = status .. " " .. string.sub(body or "", 1, 200)
      end
   end
end

function done(summary, latency, requests)
   local bad_total, get_total, post_total, sample = 0, 0, 0, ""
   for _, t in ipairs(threads) do
      bad_total = bad_total + (t:get("bad") or 0)
      get_total = get_total + (t:get("gets") or 0)
      post_total = post_total + (t:get("posts") or 0)
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
      "RESULT requests=%d gets=%d posts=%d duration_s=%.3f rps=%.1f p99_ms=%.3f max_ms=%.3f " ..
      "bad_status=%d socket_errors=%d timeouts=%d\n",
      summary.requests, get_total, post_total, secs, summary.requests / secs,
      latency:percentile(99) / 1000, latency.max / 1000,
      bad_total, e.connect + e.read + e.write, e.timeout))
end
