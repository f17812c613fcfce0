-- wrk script: the same GET (path and query passed after --) on every request, for bench/list_bench.sh.
--   wrk -t1 -c2 -d10s -s bench/list_page.lua http://127.0.0.1:18082 -- '/api/v1/items?page=10000'
-- Statuses >= 400 are counted by wrk itself (bad_status); no response() callback, so wrk stays cheap.
-- The last line is machine-readable (bench/wrk_load.lua):
--   RESULT requests=... duration_s=... rps=... p50_ms=... p90_ms=... p99_ms=... max_ms=... bad_status=... ...

package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "?.lua;" .. package.path
local wrk_load = require("wrk_load")

wrk_load.run{script = "list_page.lua", args = {"path"}, mix = {{1, nil, wrk_load.get_path}}}
