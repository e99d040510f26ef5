// W5: the seed example with Adam instead of SGD, as a new user first changes it; what that
// choice costs to compile.
#include <cstdio>

#include <ctnn/core.hpp>

int main() {
    using net = ctnn::network<ctnn::input<10>, ctnn::dense<5, ctnn::relu>, ctnn::dense<1>>;
    ctnn::rng data(42);
    const auto x = data.normal_tensor<float>(100, 10);
    const auto y = data.normal_tensor<float>(100, 1);
    net model(/*seed=*/0);
    ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    const auto result = trainer.fit(x, y, {.epochs = 1000, .batch_size = 0, .shuffle = false, .print_every = 100});
    std::printf("result: final_loss=%.6f\n", result.epoch_losses.back());
}
