# Plots the depth-30 gradient profiles written by examples/vanishing_depth into
# docs/vanishing_depth.png:
#   build/examples/vanishing_depth docs/vanishing_depth.csv && gnuplot docs/plot_vanishing.gp
set datafile separator ","
set terminal pngcairo size 900,560 noenhanced font ",10"
set output "docs/vanishing_depth.png"
set title "30 dense layers of width 64 at initialisation: ||dL/dz_l|| / ||dL/dz_30|| (geometric mean of 5 seeds)"
set xlabel "layer l (1 = first)"
set ylabel "back-propagated gradient, relative to the last layer"
set logscale y
set format y "1e%T"
set xrange [1:30]
set key outside right
set grid
# One colour per activation, one dash pattern per initialisation.
array colours[3] = ["#1f77b4", "#d62728", "#2ca02c"]
array dashes[3] = [1, 2, 3]
do for [i=1:9] { set linetype i linecolor rgb colours[(i-1)/3+1] dashtype dashes[(i-1)%3+1] linewidth 2 }
plot for [i=2:10] "docs/vanishing_depth.csv" using 1:i with lines linetype (i-1) title columnheader(i)
