// W4, a deep narrow net: input 32, 16 tanh layers of width 64, a linear output of 1, MSE, SGD
// lr 0.01, batches of 32 in order over 1024 rows (32 steps an epoch), 8 epochs.
// --dump FILE writes data and initial weights for the PyTorch side.
#include "bench_support.hpp"

namespace {
template <class... Hidden>
using deep_net = ctnn::network<ctnn::input<32>, Hidden..., ctnn::dense<1>>;
using hidden = ctnn::dense<64, ctnn::tanh>;
using net = deep_net<hidden, hidden, hidden, hidden, hidden, hidden, hidden, hidden, hidden, hidden, hidden,
                     hidden, hidden, hidden, hidden, hidden>;
static_assert(net::depth == 17);
}  // namespace

int main(int argc, char** argv) {
    constexpr std::size_t rows = 1024, batch = 32, epochs = 8;
    const bench::options options = bench::parse(argc, argv);
    ctnn::rng data(42);
    const auto x = data.normal_tensor<float>(rows, 32);
    const auto y = data.normal_tensor<float>(rows, 1);
    const net initial(0);
    if (!options.dump_path.empty()) bench::dump_problem(options.dump_path, x, y, initial);
    bench::run("w4", options, bench::mlp_flops_per_step(net::parameter_count, batch), initial, [&](net& model) {
        // clip::off: like PyTorch's step, no gradient norm is measured, and the SGD step is
        // folded into each weight-gradient product (the default, clip::none, measures it).
        ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.01}, ctnn::clip::off{}};
        return trainer.fit(x, y, {.epochs = epochs, .batch_size = batch, .shuffle = false});
    });
}
