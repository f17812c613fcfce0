-- What the project's wrk scripts share: bench/get_item.lua, bench/create_item.lua, bench/list_page.lua,
-- scripts/soak_load.lua and tests/rolling/load.lua each describe their load and hand it to run(), which defines
-- wrk's callbacks. A script finds this module through package.path, relative to its own file:
--   package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../bench/?.lua;" .. package.path
--   local wrk_load = require("wrk_load")
--
-- run{...} (or paced_mix below) takes:
--   script  the script's name, for its error messages
--   args    what wrk passes after --, in order: "ids" (a file of item ids, one a line, for get_item), "path" (a
--           path and query to GET, for get_path) and "pause" (ms each connection waits between two requests: wrk's
--           delay(), a paced load instead of wrk's usual saturation; wrk2, which paces by itself, is not packaged
--           by Debian)
--   mix     the requests, drawn at random by weight: a list of {weight, counter, make}; make() returns a request
--           (get_item, get_path, list_page, create_item(...) below), and a named counter adds counter=N to RESULT
--   static  instead of a mix, one fixed request {method, headers, body} to the URL's path, built once (cheapest)
--   ok      when given, ok(status) judges every answer (a response() callback); the others count as bad_status,
--           and a line `BAD statuses=STATUSxN,... first=STATUS BODY` precedes RESULT. Without it bad_status is
--           wrk's own count of statuses >= 400, and wrk parses no answer (it stays as cheap as possible).
-- The last line is machine-readable:
--   RESULT requests=... [counter=...] duration_s=... rps=... p50_ms=... p90_ms=... p99_ms=... max_ms=...
--   bad_status=... socket_errors=... timeouts=...

local M = {}

local threads = {}
local ids = {}
local get_path = nil
local pause_ms = 0

-- Request makers for a mix.
function M.get_item()
   return wrk.format("GET", "/api/v1/items/" .. ids[math.random(#ids)])
end

function M.get_path()
   return wrk.format("GET", get_path)
end

local sorts = {"", "&sort=currentPrice", "&sort=-endDate", "&status=active"}

-- A list page: one of the first five, in the default order, by price, by end date or active only.
function M.list_page()
   return wrk.format("GET", "/api/v1/items?limit=20&page=" .. math.random(5) .. sorts[math.random(#sorts)])
end

-- The create-item request's parts: user SELLER creates an item NAME, started now and ending in 7 days (an item's end
-- must be in the future, so the dates follow the clock).
function M.item_request(seller, name, description)
   local headers = {["Content-Type"] = "application/json", ["X-User-ID"] = seller}
   local body = '{"name":"' .. name .. '","description":"' .. description .. '","currencyCode":"USD",' ..
      '"startPrice":"100.00","bidIncrement":"5.00",' ..
      '"startDate":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ") .. '","endDate":"' ..
      os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 7 * 86400) .. '"}'
   return headers, body
end

-- A maker of that POST /api/v1/items.
function M.create_item(seller, name, description)
   local headers, body = M.item_request(seller, name, description)
   return function()
      return wrk.format("POST", "/api/v1/items", headers, body)
   end
end

local function read_ids(path, script)
   if path == nil then
      error(script .. ": pass the id file after --")
   end
   for line in io.lines(path) do
      if #line > 0 then
         ids[#ids + 1] = line
      end
   end
   if #ids == 0 then
      error(script .. ": no ids in " .. path)
   end
end

-- The per-thread figures live in globals of each thread's Lua state, where done() reads them with thread:get.
local function count_answers(ok)
   bad = 0
   statuses = {}
   first_bad = ""
   response = function(status, headers, body)
      if not ok(status) then
         bad = bad + 1
         statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
         if first_bad == "" then
            first_bad = status .. " " .. string.sub(body or "", 1, 200)
         end
      end
   end
end

local function draw(mix)
   if #mix == 1 and not mix[1][2] then
      return mix[1][3]
   end
   local total = 0
   for _, entry in ipairs(mix) do
      total = total + entry[1]
      if entry[2] then
         _G[entry[2]] = 0
      end
   end
   return function()
      local r = math.random(total)
      for _, entry in ipairs(mix) do
         r = r - entry[1]
         if r <= 0 then
            if entry[2] then
               _G[entry[2]] = _G[entry[2]] + 1
            end
            return entry[3]()
         end
      end
   end
end

local function report(spec, summary, latency)
   local bad_total, seen, sample = 0, {}, ""
   local counters = {}
   for _, t in ipairs(threads) do
      bad_total = bad_total + (t:get("bad") or 0)
      for k, v in pairs(t:get("statuses") or {}) do
         seen[k] = (seen[k] or 0) + v
      end
      local fb = t:get("first_bad")
      if sample == "" and fb ~= nil then
         sample = fb
      end
      for _, entry in ipairs(spec.mix or {}) do
         if entry[2] then
            counters[entry[2]] = (counters[entry[2]] or 0) + (t:get(entry[2]) or 0)
         end
      end
   end
   if not spec.ok then
      bad_total = summary.errors.status
   elseif bad_total > 0 then
      local parts = {}
      for k, v in pairs(seen) do
         parts[#parts + 1] = k .. "x" .. v
      end
      io.write("BAD statuses=" .. table.concat(parts, ",") .. " first=" .. sample:gsub("\n", " ") .. "\n")
   end
   local named = ""
   for _, entry in ipairs(spec.mix or {}) do
      if entry[2] then
         named = named .. string.format("%s=%d ", entry[2], counters[entry[2]])
      end
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d %sduration_s=%.3f rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
      "bad_status=%d socket_errors=%d timeouts=%d\n",
      summary.requests, named, secs, summary.requests / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, bad_total, e.connect + e.read + e.write, e.timeout))
end

function M.run(spec)
   local next_thread = 0
   setup = function(thread)
      next_thread = next_thread + 1
      thread:set("thread_no", next_thread)
      table.insert(threads, thread)
   end
   init = function(args)
      for i, kind in ipairs(spec.args or {}) do
         if kind == "ids" then
            read_ids(args[i], spec.script)
         elseif kind == "path" then
            get_path = args[i]
            if get_path == nil or get_path:sub(1, 1) ~= "/" then
               error(spec.script .. ": pass the path and query after --")
            end
         elseif kind == "pause" then
            pause_ms = tonumber(args[i] or "0")
         end
      end
      -- thread_no: set by setup() in this thread's state.
      math.randomseed(os.time() + 7919 * (rawget(_G, "thread_no") or 0))
   end
   for _, kind in ipairs(spec.args or {}) do
      if kind == "pause" then
         delay = function()
            return pause_ms
         end
      end
   end
   if spec.static then
      wrk.method = spec.static.method
      for k, v in pairs(spec.static.headers or {}) do
         wrk.headers[k] = v
      end
      wrk.body = spec.static.body
   else
      request = draw(spec.mix)
   end
   if spec.ok then
      count_answers(spec.ok)
   end
   done = function(summary, latency, requests)
      report(spec, summary, latency)
   end
end

-- paced_mix(script, ok, mix): run{} of a paced mix on the ids in a file, the load of the soak and rolling-restart
-- checks: wrk ... -s SCRIPT URL -- <ids-file> <pause-ms>.
function M.paced_mix(script, ok, mix)
   M.run{script = script, args = {"ids", "pause"}, mix = mix, ok = ok}
end

return M
