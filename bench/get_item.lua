-- wrk script: GET /api/v1/items/:id with an id drawn at random per request from a file of ids (one per line).
--   wrk -t2 -c64 -d15s -s bench/get_item.lua http://127.0.0.1:18081 -- /path/to/ids.txt
-- Statuses >= 400 are counted by wrk itself (bad_status); no response() callback, so wrk stays as cheap as possible.
-- The last line is machine-readable (bench/wrk_load.lua):
--   RESULT requests=... duration_s=... rps=... p50_ms=... p90_ms=... p99_ms=... max_ms=... bad_status=... ...

package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local wrk_load = require("wrk_load")

wrk_load.run{script = "get_item.lua", args = {"ids"}, mix = {{1, nil, wrk_load.get_item}}}
