// W5: a two-layer LSTM sequence regressor (8 features, two lstm<32>, a linear output), trained
// with Adam the way the seed example is; what a recurrent program costs to compile.
#include <algorithm>
#include <cstdio>

#include <ctnn/core.hpp>

int main() {
    using net = ctnn::network<ctnn::sequence<8>, ctnn::lstm<32, ctnn::whole_sequence>, ctnn::lstm<32>,
                              ctnn::dense<1>>;
    ctnn::rng data(42);
    const auto rows = data.normal_tensor<float>(64 * 20, 8);
    auto x = ctnn::tensor<float, 3>::from_shape({64, 20, 8});  // (B, T, F)
    std::copy(rows.begin(), rows.end(), x.begin());
    const auto y = data.normal_tensor<float>(64, 1);
    net model(/*seed=*/0);
    ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    const auto result = trainer.fit(x, y, {.epochs = 2, .batch_size = 16});
    std::printf("result: final_loss=%.6f\n", result.epoch_losses.back());
}
