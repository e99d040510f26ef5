# Plots the held-out error per epoch written by examples/lstm_vs_rnn into docs/lstm_vs_rnn.png.
#   build/examples/lstm_vs_rnn docs/lstm_vs_rnn.csv && gnuplot docs/plot_lstm_vs_rnn.gp
set datafile separator ","
set terminal pngcairo size 800,420 noenhanced font ",10"
set output "docs/lstm_vs_rnn.png"
set title "Adding problem, T = 50: held-out sequences answered more than 0.04 off"
set xlabel "epoch (625 steps of 32 sequences)"
set ylabel "fraction wrong"
set yrange [0:1]
set key top right
set grid
plot "docs/lstm_vs_rnn.csv" using 1:2 with linespoints lw 2 pt 7 lc rgb "#2ca02c" title "lstm(32)", \
     "docs/lstm_vs_rnn.csv" using 1:3 with linespoints lw 2 pt 7 lc rgb "#d62728" title "rnn(32, tanh)"
