# Plots the loss curves written by examples/optimizers into docs/optimizers.png.
#   build/examples/optimizers docs/optimizers.csv && gnuplot docs/plot_optimizers.gp
set datafile separator ","
set terminal pngcairo size 900,540 noenhanced font ",10"
set output "docs/optimizers.png"
set title "Same problem, same initial weights: training loss by optimizer (1-32-32-1 tanh, sin(x), batch 32)"
set xlabel "epoch"
set ylabel "training loss (MSE)"
set logscale y
set key outside right
set grid
# Nine distinct colours (gnuplot's default cycle repeats after eight).
array colours[9] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf"]
do for [i=1:9] { set linetype i linecolor rgb colours[i] linewidth 2 }
plot for [i=2:10] "docs/optimizers.csv" using 1:i with lines linetype (i-1) title columnheader(i)
