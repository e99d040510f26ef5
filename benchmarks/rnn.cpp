// W3, a recurrent net: a tanh rnn (input 8, hidden 64) over sequences of 50 steps, its last
// state read out to 1, MSE, Adam lr 1e-3, global-norm clipping at 1; batches of 32 in order
// over 512 sequences (16 steps an epoch), 4 epochs.
// --dump FILE writes data and initial weights for the PyTorch side.
#include "bench_support.hpp"

#include <ctnn/layers/rnn.hpp>

namespace {
constexpr std::size_t features = 8, hidden = 64, steps = 50;
using net = ctnn::network<ctnn::sequence<features>, ctnn::rnn<hidden, ctnn::tanh>, ctnn::dense<1>>;

void dump_problem(const std::string& path, const ctnn::tensor<float, 3>& x, const ctnn::tensor<float, 2>& y,
                  const net& model) {
    std::FILE* out = bench::open_dump(path);
    bench::dump(out, "x", x);
    bench::dump(out, "y", y);
    const auto& recurrent = model.layer<0>();
    bench::dump(out, "weight_ih", recurrent.weight_ih().value);
    bench::dump(out, "weight_hh", recurrent.weight_hh().value);
    bench::dump(out, "bias_ih", recurrent.bias_ih().value);
    bench::dump(out, "bias_hh", recurrent.bias_hh().value);
    bench::dump(out, "w1", model.layer<1>().weight.value);
    bench::dump(out, "b1", model.layer<1>().bias.value);
    std::fclose(out);
}
}  // namespace

int main(int argc, char** argv) {
    constexpr std::size_t sequences = 512, batch = 32, epochs = 4;
    const bench::options options = bench::parse(argc, argv);
    ctnn::rng data(42);
    auto x = ctnn::tensor<float, 3>::from_shape({sequences, steps, features});
    for (auto& v : x) v = float(data.normal());
    const auto y = data.normal_tensor<float>(sequences, 1);
    const net initial(0);
    if (!options.dump_path.empty()) dump_problem(options.dump_path, x, y, initial);
    // Per step: the input and recurrent products over T·B columns, forward and backward (three
    // products each), and the readout.
    const double flops = 6.0 * double((features + hidden) * hidden) * double(steps * batch)
                         + bench::mlp_flops_per_step(hidden + 1, batch);
    bench::run("w3", options, flops, initial, [&](net& model) {
        ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 1e-3},
                              ctnn::clip::by_global_norm{.max_norm = 1.0}};
        return trainer.fit(x, y, {.epochs = epochs, .batch_size = batch, .shuffle = false});
    });
}
