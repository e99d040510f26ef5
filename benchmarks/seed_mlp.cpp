// W1, the seed workload: 10→5 ReLU→1, MSE, SGD lr 0.01, full batch of 100, 1000 epochs.
// Writes its data and initial weights (--dump FILE) so the PyTorch side trains the very same
// problem, then times whole 1000-epoch trainings from those weights (--repeats N).
#include "bench_support.hpp"

int main(int argc, char** argv) {
    using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<1>>;
    const bench::options options = bench::parse(argc, argv);
    ctnn::rng data(42);
    const auto x = data.normal_tensor<float>(100, 10);
    const auto y = data.normal_tensor<float>(100, 1);
    const net initial(0);
    if (!options.dump_path.empty()) bench::dump_problem(options.dump_path, x, y, initial);
    bench::run("w1", options, bench::mlp_flops_per_step(net::parameter_count, 100), initial, [&](net& model) {
        ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.01}};
        return trainer.fit(x, y, {.epochs = 1000, .batch_size = 0, .shuffle = false});
    });
}
