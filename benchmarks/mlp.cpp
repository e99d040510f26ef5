// W2, an MNIST-sized MLP: 784→256 ReLU→128 ReLU→10, softmax cross-entropy, SGD with momentum
// 0.9 and lr 0.01, batches of 64 in order over 1024 rows (16 steps an epoch), 4 epochs.
// x ~ N(0, 1), labels uniform in 0..9. --dump FILE writes data and initial weights for the
// PyTorch side.
#include "bench_support.hpp"

int main(int argc, char** argv) {
    using net = bench::fashion_mlp;
    constexpr std::size_t rows = 1024, batch = 64, epochs = 4;
    const bench::options options = bench::parse(argc, argv);
    ctnn::rng data(42);
    const auto x = data.normal_tensor<float>(rows, 784);
    auto labels = ctnn::tensor<float, 2>::from_shape({rows, 1});
    for (auto& label : labels) label = float(data.below(10));
    const net initial(0);
    if (!options.dump_path.empty()) bench::dump_problem(options.dump_path, x, labels, initial);
    bench::run("w2", options, bench::mlp_flops_per_step(net::parameter_count, batch), initial, [&](net& model) {
        // clip::off: like PyTorch's step, no gradient norm is measured, and the SGD step is
        // folded into each weight-gradient product (the default, clip::none, measures it).
        ctnn::trainer trainer{model, ctnn::loss::softmax_cross_entropy{},
                              ctnn::optim::sgd{.lr = 0.01, .momentum = 0.9}, ctnn::clip::off{}};
        return trainer.fit(x, labels, {.epochs = epochs, .batch_size = batch, .shuffle = false});
    });
}
