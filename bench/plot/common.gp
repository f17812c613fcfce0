# Shared look of the benchmark pictures (bench/items_bench.sh, bench/worker_bench.sh load it first).
# Callers set: datafile, outfile, stamp (the run's UTC time).
set terminal pngcairo size 1400,900 enhanced font "DejaVu Sans,12" linewidth 2
set output outfile
set datafile separator "\t"
set datafile commentschars "#"
set grid xtics ytics lc rgb "#d0d0d0" lw 1
set key top left box opaque
set border 3
set xtics nomirror
set ytics nomirror
# The service in blue, the limits it is measured against in grey and orange.
set style line 1 lc rgb "#1f5fbf" pt 7 ps 1.4 lw 2.5   # the service (auction-api / auction-worker)
set style line 2 lc rgb "#7f7f7f" pt 5 ps 1.3 lw 2 dt 2 # PostgreSQL alone (pgbench)
set style line 3 lc rgb "#e07b00" pt 9 ps 1.4 lw 2 dt 3 # RabbitMQ alone
note = "2-core VM, one run of a few seconds per point: compare the curves and ratios more than absolute numbers"
set style textbox opaque noborder margins 0.5,0.5
