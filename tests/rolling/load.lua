-- wrk script for scripts/rolling_restart.sh: a steady, paced mix of item reads and writes through HAProxy.
--   wrk -t2 -c6 -d120s --timeout 5s -s tests/rolling/load.lua http://127.0.0.1:18400 -- <ids-file> <delay-ms>
-- Each request is, at random: 70% GET /api/v1/items/:id (an id from the file), 30% POST /api/v1/items. Each
-- connection waits <delay-ms> between requests (a moderate load, not wrk's saturation). Any answer other than
-- 200/201 is a failure, and so is every socket error or timeout wrk counts. The script stops wrk with SIGINT.
-- The last line is machine-readable (bench/wrk_load.lua):
--   RESULT requests=... gets=... posts=... duration_s=... rps=... p99_ms=... max_ms=... bad_status=...
--   socket_errors=... timeouts=...

package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../../bench/?.lua;" .. package.path
local wrk_load = require("wrk_load")

wrk_load.paced_mix("load.lua", function(status) return status == 200 or status == 201 end, {
   {70, "gets", wrk_load.get_item},
   {30, "posts", wrk_load.create_item("rolling-seller", "Rolling restart lot", "Created during a rolling restart")},
})
