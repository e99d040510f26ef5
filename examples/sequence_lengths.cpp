// Sequences of different lengths: padding read as data, or each sequence stopped at its end.
//
// Each sequence holds L values in [−1, 1], L from 4 to T, padded with zeros to T steps; the
// target is its last value, u_{L−1}. Given the padded batch as it is, a GRU reads the zeros after
// u_{L−1} as data and must learn to hold u_{L−1} through up to T − 4 of them. Given
// padded_sequences(x, lengths), its last state is the one after u_{L−1}, as PyTorch's packed
// sequences give it: nothing is held. Both networks have the same 16 units, initial weights,
// data, optimizer (Adam) and number of steps.
//
// usage: sequence_lengths [sequences, default 8000] [epochs, default 6] [T, default 32]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <ctnn/ctnn.hpp>

namespace {
// [sequence-lengths-network]
using net_t = ctnn::network<ctnn::sequence<1>, ctnn::gru<16>, ctnn::dense<1>>;
// [sequence-lengths-network]

struct task {
    ctnn::tensor<float, 3> x;  // (sequences, T, 1), zeros past each length
    ctnn::tensor<float, 2> y;  // (sequences, 1): the last real value
    std::vector<std::size_t> lengths;

    task(std::size_t sequences, std::size_t steps, std::uint64_t seed)
        : x(ctnn::tensor<float, 3>::from_shape({sequences, steps, 1})),
          y(ctnn::tensor<float, 2>::from_shape({sequences, 1})), lengths(sequences) {
        ctnn::rng r(seed);
        x.fill(0.0f);
        for (std::size_t s = 0; s < sequences; ++s) {
            lengths[s] = 4 + std::size_t(r.below(steps - 3));
            for (std::size_t t = 0; t < lengths[s]; ++t) x(s, t, 0) = float(r.uniform(-1.0, 1.0));
            y(s, 0) = x(s, lengths[s] - 1, 0);
        }
    }
};

template <class Prediction>
double mean_absolute_error(const Prediction& prediction, const task& data) {
    double sum = 0.0;
    for (std::size_t s = 0; s < data.lengths.size(); ++s) sum += std::abs(double(prediction(s, 0) - data.y(s, 0)));
    return sum / double(data.lengths.size());
}
}  // namespace

int main(int argc, char** argv) {
    const std::size_t sequences = argc > 1 ? std::size_t(std::atoi(argv[1])) : 8000;
    const std::size_t epochs = argc > 2 ? std::size_t(std::atoi(argv[2])) : 6;
    const std::size_t steps = argc > 3 ? std::size_t(std::atoi(argv[3])) : 32;
    const task data(sequences, steps, 1), held_out(1000, steps, 2);
    const ctnn::fit_options options{.epochs = epochs, .batch_size = 32, .seed = 3, .log = nullptr};

    // [sequence-lengths-fit]
    net_t stopped(/*seed=*/0);
    ctnn::trainer stopped_trainer{stopped, ctnn::optim::adam{.lr = 3e-3}};
    const auto stopped_fit = stopped_trainer.fit(ctnn::padded_sequences(data.x, data.lengths), data.y, options);
    const double stopped_mae =
        mean_absolute_error(stopped.predict(ctnn::padded_sequences(held_out.x, held_out.lengths)), held_out);
    // [sequence-lengths-fit]

    net_t read_as_data(/*seed=*/0);
    ctnn::trainer read_trainer{read_as_data, ctnn::optim::adam{.lr = 3e-3}};
    const auto read_fit = read_trainer.fit(data.x, data.y, options);
    const double read_mae = mean_absolute_error(read_as_data.predict(held_out.x), held_out);

    std::printf("the last of 4..%zu values, padded with zeros to %zu steps; gru(16), Adam lr 3e-3, batch 32\n", steps,
                steps);
    std::printf("%zu training sequences, %zu epochs; held-out mean absolute error over 1000 sequences:\n", sequences,
                epochs);
    std::printf("  padded_sequences (each stops at its end): %.4f   (last epoch's training loss %.5f)\n", stopped_mae,
                stopped_fit.epoch_losses.back());
    std::printf("  the padding read as data:                 %.4f   (last epoch's training loss %.5f)\n", read_mae,
                read_fit.epoch_losses.back());
    std::printf("result: sequences=%zu epochs=%zu steps=%zu mae_lengths=%.4f mae_padding_read=%.4f\n", sequences,
                epochs, steps, stopped_mae, read_mae);
    // The claim: stopped at its end, a sequence's last value is read off, not held.
    return stopped_mae < 0.05 && stopped_mae < read_mae ? 0 : 1;
}
