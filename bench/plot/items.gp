# bench/items_bench.sh: throughput and p99 latency by concurrency (wrk connections = pgbench clients),
# GET /api/v1/items/:id and POST /api/v1/items, each beside pgbench running the same SQL.
# Columns of items.dat: 1 conns, 2 get_rps, 3 get_p50, 4 get_p99, 5 pg_get_tps, 6 pg_get_p50,
# 7 pg_get_p99, 8 post_rps, 9 post_p50, 10 post_p99, 11 pg_post_tps, 12 pg_post_p50, 13 pg_post_p99.
stats datafile using 1 nooutput
set logscale x 2
set xrange [STATS_min / 1.5 : STATS_max * 1.5]
set xtics ("4" 4, "8" 8, "16" 16, "32" 32, "64" 64, "128" 128, "256" 256)
set xlabel "connections (wrk) = clients (pgbench)"
set key below
set bmargin 7
set yrange [0:*]
set format y "%.0f"
set multiplot layout 2,2 title sprintf("items API vs PostgreSQL alone, %s\n{/*0.8 %s}", stamp, note)

set title "GET /api/v1/items/:id: throughput"
set ylabel "requests / s"
plot datafile using 1:2 with linespoints ls 1 title "auction-api (wrk)", \
     ""       using 1:5 with linespoints ls 2 title "pgbench, same SELECT"

set title "GET /api/v1/items/:id: p99 latency"
set ylabel "p99 ms"
set format y "%.1f"
plot datafile using 1:4 with linespoints ls 1 title "auction-api (wrk)", \
     ""       using 1:7 with linespoints ls 2 title "pgbench, same SELECT"

set title "POST /api/v1/items: throughput"
set ylabel "requests / s"
set format y "%.0f"
plot datafile using 1:8 with linespoints ls 1 title "auction-api (wrk)", \
     ""       using 1:11 with linespoints ls 2 title "pgbench, same INSERT (+ outbox row)"

set title "POST /api/v1/items: p99 latency"
set ylabel "p99 ms"
set format y "%.1f"
plot datafile using 1:10 with linespoints ls 1 title "auction-api (wrk)", \
     ""       using 1:13 with linespoints ls 2 title "pgbench, same INSERT (+ outbox row)"
unset multiplot
