# bench/worker_bench.sh: drain rate by replica count, beside RabbitMQ's own consume+ack rate with as
# many plain consumers and pgbench's one-commit-per-event rate with replicas x PREFETCH_COUNT clients.
# Columns of worker.dat: 1 replicas, 2 drain_eps, 3 rabbitmq_eps, 4 pgbench_tps, 5 events_per_commit,
# 6 cpu_busy_pct.
stats datafile using 1 nooutput
set xrange [STATS_min - 0.5 : STATS_max + 0.5]
set xtics 1
set xlabel "auction-worker replicas"
set key below
set bmargin 8
set multiplot layout 1,2 title sprintf("bid.placed.v1 drain vs its limits, %s\n{/*0.8 %s}", stamp, note)

# Labels: RabbitMQ above its points, pgbench to the right and the drain to the left of theirs, so
# they never overlap whichever of the two is higher.
# RabbitMQ without work is an order of magnitude faster than the rest: a log scale keeps all three legible.
set title "events per second (log scale)"
set ylabel "events / s"
set logscale y
set format y "%.0f"
plot datafile using 1:3 with linespoints ls 3 title "RabbitMQ consume+ack, no work (as many consumers)", \
     ""       using 1:4 with linespoints ls 2 title "pgbench, one commit per event (replicas x prefetch clients)", \
     ""       using 1:2 with linespoints ls 1 title "auction-worker drain", \
     ""       using 1:3:3 with labels boxed offset 0,1 tc rgb "#e07b00" notitle, \
     ""       using 1:4:4 with labels boxed left offset 1.2,0 tc rgb "#7f7f7f" notitle, \
     ""       using 1:2:2 with labels boxed right offset -1.2,0 tc rgb "#1f5fbf" notitle

unset logscale y
set title "batching and machine load during the drain"
set ylabel "events per commit"
set yrange [0:*]
set y2label "machine CPU busy, % of both cores"
set y2range [0:110]
set y2tics
set ytics nomirror
set format y "%.0f"
plot datafile using 1:5 with linespoints ls 1 title "events per commit (batch size)", \
     ""       using 1:5:5 with labels boxed offset 0,1 tc rgb "#1f5fbf" notitle, \
     ""       using 1:6 axes x1y2 with linespoints ls 2 title "CPU busy % (right axis)"
unset multiplot
