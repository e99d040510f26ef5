// Two activations written as formulas (swish and mish, in user_defined.hpp) in a network like
// any built-in: a 3→16→16→1 regression of y = sin(x₀) + x₁x₂, trained with Adam. Prints the
// derivatives the compiler derived for them.
#include <cmath>
#include <cstdio>

#include <ctnn/core.hpp>
#include <ctnn/expr/to_string.hpp>

#include "user_defined.hpp"

int main() {
    // [custom-activations]
    using net = ctnn::network<ctnn::input<3>,
                              ctnn::dense<16, user::swish>,
                              ctnn::dense<16, user::mish>,
                              ctnn::dense<1>>;
    // [custom-activations]

    const auto show = [](const char* name, auto formula) {
        std::printf("%-5s a = %s\n      da/dz = %s\n", name, ctnn::expr::to_string(formula).c_str(),
                    ctnn::expr::to_string(ctnn::expr::derivative(formula, ctnn::expr::z)).c_str());
    };
    show("swish", user::swish::formula);
    show("mish", user::mish::formula);

    ctnn::rng data(7);
    const auto x = data.normal_tensor<float>(256, 3);
    auto y = ctnn::tensor<float, 2>::from_shape({256, 1});
    for (std::size_t i = 0; i < 256; ++i) y(i, 0) = std::sin(x(i, 0)) + x(i, 1) * x(i, 2);

    net model(/*seed=*/1);
    ctnn::trainer trainer{model, ctnn::loss::mse{}, ctnn::optim::adam{.lr = 0.01}};
    const auto result = trainer.fit(x, y, {.epochs = 300, .batch_size = 32, .print_every = 100});
    std::printf("result: first_loss=%.6f final_loss=%.6f\n", result.epoch_losses.front(),
                result.epoch_losses.back());
    return result.epoch_losses.back() < result.epoch_losses.front() ? 0 : 1;
}
