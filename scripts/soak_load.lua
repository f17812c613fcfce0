-- wrk script for scripts/soak.sh: a mixed, paced load on the items API.
--   wrk -t2 -c8 -d10s --latency -s scripts/soak_load.lua http://127.0.0.1:18281 -- <ids-file> <delay-ms>
-- Each request is, at random: 70% GET /api/v1/items/:id (id from the file), 20% GET /api/v1/items (a list
-- page), 10% POST /api/v1/items. Each connection waits <delay-ms> between requests, so the rate is about
-- connections * 1000 / (delay-ms + latency): a fixed moderate load, not wrk's usual saturation. Any answer
-- other than 2xx counts as bad. The last line is machine-readable (bench/wrk_load.lua):
--   RESULT requests=... gets=... lists=... posts=... duration_s=... rps=... p50_ms=... p99_ms=... max_ms=...
--   bad_status=... socket_errors=... timeouts=...

package.path = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "../bench/?.lua;" .. package.path
local wrk_load = require("wrk_load")

wrk_load.paced_mix("soak_load.lua", function(status) return status < 300 end, {
   {70, "gets", wrk_load.get_item},
   {20, "lists", wrk_load.list_page},
   {10, "posts", wrk_load.create_item("soak-seller", "Soak lot", "Soak test item")},
})
