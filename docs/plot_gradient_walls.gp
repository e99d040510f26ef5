# Plots which starts converge, from examples/gradient_walls' CSV, into docs/gradient_walls.png.
#   build/examples/gradient_walls docs/gradient_walls.csv && gnuplot docs/plot_gradient_walls.gp
set datafile separator ","
set terminal pngcairo size 960,440 noenhanced font ",10"
set output "docs/gradient_walls.png"
set multiplot layout 1,2 title "Pascanu et al. Fig. 6 model, E = (σ(x_50) − 0.7)²: starts (w, b) that reach E < 1e-4 (green) or not (red)"
set xlabel "w"
set ylabel "b"
set xrange [3.9:6.1]
set yrange [-4.1:-1.9]
set size ratio 1
unset key
set title "plain gradient descent, lr 0.1"
plot "docs/gradient_walls.csv" every ::1 using 1:2:($3 > 0 ? 0x2ca02c : 0xd62728) with points pt 5 ps 1.2 lc rgb variable
set title "the same, gradient clipped at norm 1"
plot "docs/gradient_walls.csv" every ::1 using 1:2:($6 > 0 ? 0x2ca02c : 0xd62728) with points pt 5 ps 1.2 lc rgb variable
unset multiplot
