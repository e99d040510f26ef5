// Long-range memory: the adding problem at a length where a tanh rnn fails and an LSTM learns.
//
// Hochreiter & Schmidhuber 1997: the answer depends on two values marked early in a sequence of
// T steps, so the gradient that would teach a network to keep them must travel back T steps.
// Through a tanh rnn it vanishes (every step multiplies it by W_hhᵀ·diag(1 − h²)); through an
// LSTM's cell it passes the forget gate's product, which the network can hold near 1. Both
// networks have 32 units and get the same data, optimizer (Adam, gradient clipped at norm 1)
// and number of steps; an answer more than 0.04 off counts as wrong. The LSTM's forget-gate
// bias starts at 1 (Gers et al. 2000; Jozefowicz et al. 2015), everything else is PyTorch's init.
//
// usage: lstm_vs_rnn [CSV path, default lstm_vs_rnn.csv] [T, default 50] [epochs, default 6]
//                    [learning rate, default 0.001]
#include <chrono>
#include <type_traits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <ctnn/ctnn.hpp>
#include <ctnn/layers/lstm.hpp>
#include <ctnn/layers/rnn.hpp>

#include "adding_problem.hpp"

namespace {
constexpr std::size_t hidden = 32;
constexpr std::size_t training_sequences = 20000, held_out_sequences = 1000;

// [lstm-vs-rnn-networks]
using lstm_net = ctnn::network<ctnn::sequence<2>, ctnn::lstm<hidden>, ctnn::dense<1>>;
using rnn_net = ctnn::network<ctnn::sequence<2>, ctnn::rnn<hidden, ctnn::tanh>, ctnn::dense<1>>;
// [lstm-vs-rnn-networks]

struct outcome {
    std::string name;
    std::vector<double> held_out_error;  // per epoch: fraction more than 0.04 off
    std::vector<double> held_out_mae;    // per epoch
    double seconds = 0.0;
};

template <class Net>
outcome train(const std::string& name, double lr, std::size_t epochs, const examples::adding_problem<float>& data,
              const examples::adding_problem<float>& held_out) {
    Net net(/*seed=*/0);
    if constexpr (std::is_same_v<Net, lstm_net>) {
        auto& bias = net.template layer<0>().bias_ih().value;  // gates i, f, g, o: f is the second block
        for (std::size_t u = hidden; u < 2 * hidden; ++u) bias(u) = 1.0f;
    }
    ctnn::trainer trainer{net, ctnn::loss::mse{}, ctnn::optim::adam{.lr = lr},
                          ctnn::clip::by_global_norm{.max_norm = 1.0}};
    outcome o;
    o.name = name;
    const auto start = std::chrono::steady_clock::now();
    trainer.fit(data.x, data.y, {.epochs = epochs, .batch_size = 32, .seed = 3,
                                 .on_epoch = [&](const ctnn::epoch_report&) {
                                     const auto prediction = net.predict(held_out.x);
                                     o.held_out_error.push_back(held_out.error_rate(prediction));
                                     o.held_out_mae.push_back(held_out.mean_absolute_error(prediction));
                                 }});
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return o;
}
}  // namespace

int main(int argc, char** argv) {
    const std::string csv_path = argc > 1 ? argv[1] : "lstm_vs_rnn.csv";
    const std::size_t steps = argc > 2 ? std::size_t(std::atoi(argv[2])) : 50;
    const std::size_t epochs = argc > 3 ? std::size_t(std::atoi(argv[3])) : 6;
    const double lr = argc > 4 ? std::atof(argv[4]) : 1e-3;

    const examples::adding_problem<float> data(training_sequences, steps, 1), held_out(held_out_sequences, steps, 2);
    const outcome lstm = train<lstm_net>("lstm", lr, epochs, data, held_out);
    const outcome rnn = train<rnn_net>("rnn_tanh", lr, epochs, data, held_out);

    std::FILE* csv = std::fopen(csv_path.c_str(), "w");
    if (!csv) {
        std::perror(csv_path.c_str());
        return 1;
    }
    std::fprintf(csv, "epoch,lstm_wrong,rnn_wrong,lstm_mae,rnn_mae\n");
    for (std::size_t e = 0; e < epochs; ++e)
        std::fprintf(csv, "%zu,%.4f,%.4f,%.5f,%.5f\n", e + 1, lstm.held_out_error[e], rnn.held_out_error[e],
                     lstm.held_out_mae[e], rnn.held_out_mae[e]);
    std::fclose(csv);

    std::printf("adding problem, T = %zu, %zu training sequences, Adam lr %g, clip 1, batch 32\n", steps,
                training_sequences, lr);
    std::printf("held-out: fraction of %zu sequences more than 0.04 off (mean absolute error)\n\n", held_out_sequences);
    std::printf("%6s %22s %22s\n", "epoch", "lstm(32)", "rnn(32, tanh)");
    for (std::size_t e = 0; e < epochs; ++e)
        std::printf("%6zu %12.3f (%.4f) %12.3f (%.4f)\n", e + 1, lstm.held_out_error[e], lstm.held_out_mae[e],
                    rnn.held_out_error[e], rnn.held_out_mae[e]);
    std::printf("\ntraining time: lstm %.1f s, rnn %.1f s\ncsv: %s\n", lstm.seconds, rnn.seconds, csv_path.c_str());
    std::printf("result: steps=%zu lstm_wrong=%.3f rnn_wrong=%.3f lstm_mae=%.4f rnn_mae=%.4f lstm_s=%.1f\n", steps,
                lstm.held_out_error.back(), rnn.held_out_error.back(), lstm.held_out_mae.back(),
                rnn.held_out_mae.back(), lstm.seconds);
    // The claim of the experiment: the LSTM is right where the rnn is not.
    return lstm.held_out_mae.back() < 0.04 && lstm.held_out_error.back() < rnn.held_out_error.back() ? 0 : 1;
}
