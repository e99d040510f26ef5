# Plots the per-step gradient norms written by examples/exploding_rnn into docs/exploding_rnn.png.
#   build/examples/exploding_rnn docs/exploding_rnn.csv && gnuplot docs/plot_exploding_rnn.gp
# Non-finite steps are NaN in the CSV and leave gaps.
set datafile separator ","
set datafile missing "nan"
set terminal pngcairo size 900,480 noenhanced font ",10"
set output "docs/exploding_rnn.png"
set title "tanh rnn(16) on the adding problem (T = 50), SGD lr 0.2, batch 1: gradient norm before clipping"
set xlabel "step"
set ylabel "global gradient norm"
set logscale y
set format y "1e%T"
set key top right
set grid
plot "docs/exploding_rnn.csv" using 1:2 with lines lw 2 lc rgb "#d62728" title "W_hh = 1.5 Q, unclipped", \
     "docs/exploding_rnn.csv" using 1:3 with lines lw 2 lc rgb "#2ca02c" title "W_hh = 1.5 Q, clipped at 1", \
     "docs/exploding_rnn.csv" using 1:4 with lines lw 2 lc rgb "#1f77b4" title "W_hh = 0.9 Q, unclipped"
