// A highway network (Srivastava et al. 2015), its layer written as equations only
// (user_defined.hpp): y = t ⊙ relu(W_H·x + b_H) + (1 − t) ⊙ x with a learned gate t = σ(W_T·x +
// b_T). ctnn derives its backward pass. 30 such layers against 30 plain relu layers of the same
// width on one regression: at initialisation the gradient that reaches the first plain layer is a
// vanishing fraction of the last's, while the highway layers carry it along x (the gate's bias
// starts at −2, so t ≈ 0.12 and each layer mostly passes its input on, as the paper advises);
// after the same training (Adam, gradient clipped at norm 1) the highway network has learned and
// the plain one has not.
#include <cmath>
#include <cstdio>
#include <type_traits>
#include <utility>
#include <vector>

#include <ctnn/core.hpp>

#include "user_defined.hpp"

namespace {
constexpr std::size_t depth = 30, width = 16;

template <std::size_t, class Layer>
using same = Layer;
template <class Input, class Layer, class Output, std::size_t... I>
auto stack(std::index_sequence<I...>) -> ctnn::network<Input, ctnn::dense<width, ctnn::relu>, same<I, Layer>..., Output>;

// [highway-network]
using highway_layer = ctnn::expression_layer<user::highway<width>>;
using highway_net =
    decltype(stack<ctnn::input<4>, highway_layer, ctnn::dense<1>>(std::make_index_sequence<depth>{}));
using plain_net = decltype(stack<ctnn::input<4>, ctnn::dense<width, ctnn::relu>, ctnn::dense<1>>(
    std::make_index_sequence<depth>{}));
// [highway-network]

/// ‖∂L/∂W‖ of the first layer over that of the last hidden one, after one backward pass.
template <class Net>
double gradient_ratio(Net& net, const ctnn::tensor<float, 2>& x, const ctnn::tensor<float, 2>& y) {
    const std::size_t rows = x.shape()[0];
    net.reserve(rows);
    const float* out = net.forward(x.data(), rows);
    auto gradient = net.output_gradient(rows);
    ctnn::loss::value_and_gradient(ctnn::loss::mse{}, ctnn::detail::matrix_view(out, rows, 1), y, gradient);
    net.backward();
    std::vector<double> norms;  // one per layer: its weights' gradient norm (all of them, highway: both products)
    net.for_each_layer([&](const auto& layer) {
        double sum = 0;
        layer.for_each_parameter([&](const auto& p) {
            if constexpr (std::remove_cvref_t<decltype(p.value)>::rank == 2)
                for (const float g : p.grad) sum += double(g) * double(g);
        });
        norms.push_back(std::sqrt(sum));
    });
    return norms.front() / norms[norms.size() - 2];  // the last entry is the output layer
}
}  // namespace

int main() {
    ctnn::rng data(5);
    const auto x = data.normal_tensor<float>(256, 4);
    auto y = ctnn::tensor<float, 2>::from_shape({256, 1});
    for (std::size_t i = 0; i < 256; ++i) y(i, 0) = std::sin(x(i, 0)) * x(i, 1) + std::cos(x(i, 2) - x(i, 3));

    plain_net plain(/*seed=*/1);
    highway_net highway(/*seed=*/1);
    // [gate-bias]
    // the gate's bias, by its product's name: start each layer carrying its input
    highway.for_each_layer([](auto& layer) {
        if constexpr (requires { layer.template bias<"gate">(); }) layer.template bias<"gate">().value.fill(-2.0f);
    });
    // [gate-bias]
    const double plain_ratio = gradient_ratio(plain, x, y), highway_ratio = gradient_ratio(highway, x, y);
    std::printf("%zu layers of width %zu: ||dL/dW_1|| / ||dL/dW_%zu|| at initialisation\n", depth + 1, width, depth + 1);
    std::printf("  plain relu  %.3g\n  highway     %.3g\n", plain_ratio, highway_ratio);

    const ctnn::fit_options options{.epochs = 60, .batch_size = 32, .seed = 3};
    ctnn::trainer plain_trainer{plain, ctnn::optim::adam{.lr = 0.003}, ctnn::clip::by_global_norm{.max_norm = 1.0}};
    ctnn::trainer highway_trainer{highway, ctnn::optim::adam{.lr = 0.003}, ctnn::clip::by_global_norm{.max_norm = 1.0}};
    const auto plain_result = plain_trainer.fit(x, y, options);
    const auto highway_result = highway_trainer.fit(x, y, options);
    std::printf("MSE after %zu epochs of Adam (lr 0.003, clipped at 1): plain %.4f (from %.4f), highway %.4f (from %.4f)\n",
                options.epochs, plain_result.epoch_losses.back(), plain_result.epoch_losses.front(),
                highway_result.epoch_losses.back(), highway_result.epoch_losses.front());
    std::printf("result: plain_ratio=%.3g highway_ratio=%.3g plain_loss=%.4f highway_loss=%.4f\n", plain_ratio,
                highway_ratio, plain_result.epoch_losses.back(), highway_result.epoch_losses.back());
    return highway_ratio > 1e6 * plain_ratio && highway_result.epoch_losses.back() < 0.25 * plain_result.epoch_losses.back()
               ? 0
               : 1;
}
