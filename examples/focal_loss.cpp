// A loss written as a formula (the binary focal loss, in user_defined.hpp) used like any
// built-in: a 2→16→1 classifier of two interleaved half-moons with rare positives, trained
// with Adam. Prints the gradient the compiler derived for it.
#include <cmath>
#include <cstdio>

#include <ctnn/core.hpp>
#include <ctnn/expr/to_string.hpp>

#include "user_defined.hpp"

int main() {
    std::printf("focal loss l(ŷ, y) = %s\n", ctnn::expr::to_string(user::focal_loss::formula).c_str());
    std::printf("dl/dŷ = %s\n", ctnn::expr::to_string(ctnn::loss::gradient_formula<user::focal_loss>()).c_str());

    // Two half-moons, the positive one a fifth of the data: where focal loss earns its keep.
    constexpr std::size_t rows = 500;
    ctnn::rng data(3);
    auto x = ctnn::tensor<float, 2>::from_shape({rows, 2});
    auto y = ctnn::tensor<float, 2>::from_shape({rows, 1});
    const auto angle = data.uniform_tensor<float>(rows, 1, 0.0, 3.14159265);
    const auto noise = data.normal_tensor<float>(rows, 2);
    for (std::size_t i = 0; i < rows; ++i) {
        const bool positive = i % 5 == 0;
        const float t = angle(i, 0);
        x(i, 0) = (positive ? 1.0f - std::cos(t) : std::cos(t)) + 0.15f * noise(i, 0);
        x(i, 1) = (positive ? 0.5f - std::sin(t) : std::sin(t)) + 0.15f * noise(i, 1);
        y(i, 0) = positive ? 1.0f : 0.0f;
    }

    // [focal-loss-network]
    using net = ctnn::network<ctnn::input<2>, ctnn::dense<16, ctnn::tanh>, ctnn::dense<1>>;
    net model(/*seed=*/2);
    ctnn::trainer trainer{model, user::focal_loss{}, ctnn::optim::adam{.lr = 0.02}};
    const auto result = trainer.fit(x, y, {.epochs = 200, .batch_size = 50});
    // [focal-loss-network]

    const auto logits = model.predict(x);
    std::size_t right = 0;
    for (std::size_t i = 0; i < rows; ++i) right += (logits(i, 0) > 0.0f) == (y(i, 0) > 0.5f);
    const double accuracy = double(right) / double(rows);
    std::printf("result: final_loss=%.6f accuracy=%.3f\n", result.epoch_losses.back(), accuracy);
    return accuracy > 0.9 ? 0 : 1;
}
