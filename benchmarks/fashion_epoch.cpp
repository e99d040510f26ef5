// W6, issue 5's real-data benchmark: one epoch of the fashion_mnist example's model (784→256
// relu→128 relu→10, softmax cross-entropy, Adam lr 1e-3) over the 60,000 Fashion-MNIST
// training images scaled to [0, 1], batches of 128 in order.
// --dump FILE writes the initial weights; the PyTorch side reads the same IDX files itself.
#include "bench_support.hpp"

namespace {
using net = bench::fashion_mlp;
}  // namespace

int main(int argc, char** argv) {
    constexpr std::size_t batch = 128;
    const bench::options options = bench::parse(argc, argv);
    const auto train = bench::fashion_training_set("bench_fashion_epoch");
    if (!train) return 1;
    const auto& x = train->x();
    const auto& y = train->y();
    const net initial(0);
    if (!options.dump_path.empty()) bench::dump_weights(options.dump_path, initial);
    bench::run("w6", options, bench::mlp_flops_per_step(net::parameter_count, batch), initial, [&](net& model) {
        ctnn::trainer trainer{model, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 1e-3}};
        return trainer.fit(x, y, {.epochs = 1, .batch_size = batch, .shuffle = false});
    });
}
