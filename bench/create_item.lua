-- wrk script: POST /api/v1/items with a fixed JSON body as user "bench-user", built once (wrk's static request).
--   wrk -t2 -c64 -d15s -s bench/create_item.lua http://127.0.0.1:18081
-- Every answer other than 201 Created counts as bad: the statuses seen and the first such body are printed in a
-- BAD line. The last line is machine-readable (bench/wrk_load.lua):
--   RESULT requests=... duration_s=... rps=... p50_ms=... p90_ms=... p99_ms=... max_ms=... bad_status=... ...

package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local wrk_load = require("wrk_load")

local headers, body = wrk_load.item_request("bench-user", "Vintage Camera", "Rare 1960s camera")
wrk_load.run{
   script = "create_item.lua",
   static = {method = "POST", headers = headers, body = body},
   ok = function(status)
      return status == 201
   end,
}
