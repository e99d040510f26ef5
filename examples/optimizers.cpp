// The same problem trained with every optimizer: a 1→32→32→1 tanh network fitting
// y = sin(x) + noise from 256 samples, 300 epochs of mini-batches of 32, one seed for all.
// Prints a table of the final loss and the first epoch under a target loss, writes every loss
// curve to a CSV file (docs/plot_optimizers.gp turns it into docs/optimizers.png).
//
// usage: optimizers [CSV path, default optimizers.csv] [epochs, default 300]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <ctnn/ctnn.hpp>

namespace {
using net = ctnn::network<ctnn::input<1>,
                          ctnn::dense<32, ctnn::tanh, ctnn::init::xavier_uniform<ctnn::init::gain::tanh>>,
                          ctnn::dense<32, ctnn::tanh, ctnn::init::xavier_uniform<ctnn::init::gain::tanh>>,
                          ctnn::dense<1>>;
constexpr double target_loss = 0.005;

struct run {
    std::string name;
    std::vector<double> losses;
};

template <class Optimizer>
run train(const std::string& name, Optimizer optimizer, const ctnn::tensor<float, 2>& x,
          const ctnn::tensor<float, 2>& y, std::size_t epochs) {
    net model(/*seed=*/3);  // the same initial weights for every optimizer
    ctnn::trainer trainer{model, ctnn::loss::mse{}, optimizer};
    const auto result = trainer.fit(x, y, {.epochs = epochs, .batch_size = 32, .shuffle = true, .seed = 1});
    return {name, result.epoch_losses};
}
}  // namespace

int main(int argc, char** argv) {
    const std::string csv_path = argc > 1 ? argv[1] : "optimizers.csv";
    const std::size_t epochs = argc > 2 ? std::size_t(std::atoi(argv[2])) : 300;

    ctnn::rng data(7);
    auto x = data.uniform_tensor<float>(256, 1, -3.0, 3.0);
    auto y = ctnn::tensor<float, 2>::from_shape({256, 1});
    for (std::size_t i = 0; i < 256; ++i) y(i, 0) = float(std::sin(x(i, 0)) + data.normal(0.0, 0.05));

    // [optimizers]
    std::vector<run> runs;
    runs.push_back(train("sgd", ctnn::optim::sgd{.lr = 0.05}, x, y, epochs));
    runs.push_back(train("sgd_momentum", ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9}, x, y, epochs));
    runs.push_back(train("sgd_nesterov", ctnn::optim::sgd{.lr = 0.05, .momentum = 0.9, .nesterov = true}, x, y, epochs));
    runs.push_back(train("adagrad", ctnn::optim::adagrad{.lr = 0.05}, x, y, epochs));
    runs.push_back(train("rmsprop", ctnn::optim::rmsprop{.lr = 0.002}, x, y, epochs));
    runs.push_back(train("adam", ctnn::optim::adam{.lr = 0.005}, x, y, epochs));
    runs.push_back(train("adamw", ctnn::optim::adamw{.lr = 0.005}, x, y, epochs));
    runs.push_back(train("nadam", ctnn::optim::nadam{.lr = 0.005}, x, y, epochs));
    runs.push_back(train("adadelta", ctnn::optim::adadelta{.lr = 1.0}, x, y, epochs));
    // [optimizers]

    std::printf("%-14s %12s %22s\n", "optimizer", "final loss", "first epoch < target");
    const run* best = &runs.front();
    for (const auto& r : runs) {
        std::size_t first = 0;
        while (first < r.losses.size() && !(r.losses[first] < target_loss)) ++first;
        const std::string reached = first < r.losses.size() ? std::to_string(first) : "never";
        std::printf("%-14s %12.6f %22s\n", r.name.c_str(), r.losses.back(), reached.c_str());
        if (r.losses.back() < best->losses.back()) best = &r;
    }

    std::FILE* csv = std::fopen(csv_path.c_str(), "w");
    if (!csv) {
        std::fprintf(stderr, "cannot write %s\n", csv_path.c_str());
        return 1;
    }
    std::fprintf(csv, "epoch");
    for (const auto& r : runs) std::fprintf(csv, ",%s", r.name.c_str());
    std::fprintf(csv, "\n");
    for (std::size_t e = 0; e < epochs; ++e) {
        std::fprintf(csv, "%zu", e);
        for (const auto& r : runs) std::fprintf(csv, ",%.6g", r.losses[e]);
        std::fprintf(csv, "\n");
    }
    std::fclose(csv);
    std::printf("target loss %.3f; curves written to %s\n", target_loss, csv_path.c_str());
    // Checked: every optimizer trains (its last epoch's loss finite and below its first's).
    const bool every_one_learns = std::all_of(runs.begin(), runs.end(), [](const run& r) {
        return std::isfinite(r.losses.back()) && r.losses.back() < r.losses.front();
    });
    std::printf("result: optimizers=%zu best=%s best_loss=%.6f every_one_learns=%d\n", runs.size(), best->name.c_str(),
                best->losses.back(), int(every_one_learns));
    return every_one_learns ? 0 : 1;
}
