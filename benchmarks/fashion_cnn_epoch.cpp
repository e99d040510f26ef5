// W7, issue 16's benchmark: one epoch of the fashion_cnn example's convolutional network
// without its dropout layers (random masks could not be the same on both sides): two 3×3
// convolutions (32, 64, ReLU, padding 1) each with 2×2 max pooling, dense 128 ReLU, 10 logits;
// softmax cross-entropy, Adam lr 1e-3, over the 60,000 Fashion-MNIST training images scaled to
// [0, 1], batches of 64 in order.
// --dump FILE writes the initial weights (w0, b0, w1, b1... for the layers with parameters, in
// order); the PyTorch side reads the same IDX files itself.
#include "bench_support.hpp"

namespace {
using ctnn::conv2d, ctnn::kernel, ctnn::padding, ctnn::max_pool2d, ctnn::relu;
using net = ctnn::network<ctnn::image<1, 28, 28>, conv2d<32, kernel<3>, relu, padding<1>>, max_pool2d<kernel<2>>,
                          conv2d<64, kernel<3>, relu, padding<1>>, max_pool2d<kernel<2>>, ctnn::flatten,
                          ctnn::dense<128, relu>, ctnn::dense<10>>;

/// Multiply-adds per sample of the forward pass: each convolution's OC·C·KH·KW per output
/// position, each dense layer's weights and biases. A step counts three products per
/// multiply-add (forward, weight gradient, input gradient) of 2 FLOPs, as mlp_flops_per_step.
constexpr double multiply_adds_per_sample() {
    double total = 0;
    total += 32.0 * 1 * 9 * 28 * 28;   // conv 1 -> 32, 28×28 positions
    total += 64.0 * 32 * 9 * 14 * 14;  // conv 32 -> 64, 14×14 positions
    total += 3136.0 * 128 + 128;
    total += 128.0 * 10 + 10;
    return total;
}
}  // namespace

int main(int argc, char** argv) {
    constexpr std::size_t batch = 64;
    const bench::options options = bench::parse(argc, argv);
    const auto train = bench::fashion_training_set("bench_fashion_cnn_epoch", options.rows);  // --rows: a smoke test
    if (!train) return 1;
    const auto& x = train->x();
    const auto& y = train->y();
    const net initial(0);
    if (!options.dump_path.empty()) bench::dump_weights(options.dump_path, initial);
    bench::run("w7", options, 6.0 * multiply_adds_per_sample() * double(batch), initial, [&](net& model) {
        ctnn::trainer trainer{model, ctnn::loss::softmax_cross_entropy{}, ctnn::optim::adam{.lr = 1e-3}};
        return trainer.fit(x, y, {.epochs = 1, .batch_size = batch, .shuffle = false});
    });
}
