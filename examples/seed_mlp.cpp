// The classic first PyTorch program, in ctnn: a 10→5→1 ReLU MLP trained with SGD (lr 0.01) on
// mean squared error for 1000 full-batch epochs, the loss printed every 100 epochs.
// [seed-example]
#include <cstdio>

#include <ctnn/core.hpp>

int main() {
    using net = ctnn::network<ctnn::input<10>,
                              ctnn::dense<5, ctnn::relu>,
                              ctnn::dense<1>>;
    static_assert(net::parameter_count == 61);

    ctnn::rng data(42);
    const auto x = data.normal_tensor<float>(100, 10);  // x ~ N(0, 1), (100, 10)
    const auto y = data.normal_tensor<float>(100, 1);   // y ~ N(0, 1), (100, 1)

    net model(/*seed=*/0);
    ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::sgd{.lr = 0.01}};
    const auto result = trainer.fit(x, y, {.epochs = 1000,
                                           .batch_size = 0,  // full batch
                                           .shuffle = false,
                                           .print_every = 100});

    std::printf("result: final_loss=%.6f train_ms=%.3f\n", result.epoch_losses.back(),
                result.seconds * 1e3);
}
// [seed-example]
