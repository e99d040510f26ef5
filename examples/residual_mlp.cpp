// Skip connections against vanishing gradients: 24 tanh layers of width 32 with nn.Linear's
// init, plain and with each layer inside residual<...>, at initialisation and after training on
// the same regression. Plain, the gradient reaching the first layer is a vanishing fraction of
// the last layer's (each layer multiplies it by W·tanh′, well below 1 in norm with this init);
// with skip connections every block adds the identity to that factor, the gradient arrives
// undiminished, and that network learns where the plain one barely moves.
#include <cmath>
#include <cstdio>
#include <type_traits>
#include <utility>
#include <vector>

#include <ctnn/core.hpp>

namespace {
constexpr std::size_t depth = 24, width = 32;

template <std::size_t, class Layer>
using same = Layer;
template <class Input, class Layer, class Output, std::size_t... I>
auto stack(std::index_sequence<I...>) -> ctnn::network<Input, same<I, Layer>..., Output>;

// [residual-network]
using layer = ctnn::dense<width, ctnn::tanh>;
using plain_net = decltype(stack<ctnn::input<width>, layer, ctnn::dense<1>>(std::make_index_sequence<depth>{}));
using residual_net =
    decltype(stack<ctnn::input<width>, ctnn::residual<layer>, ctnn::dense<1>>(std::make_index_sequence<depth>{}));
// [residual-network]

/// ‖∂L/∂W‖ of the first layer over that of the last hidden one, after one backward pass.
template <class Net>
double gradient_ratio(Net& net, const ctnn::tensor<float, 2>& x, const ctnn::tensor<float, 2>& y) {
    const std::size_t rows = x.shape()[0];
    net.reserve(rows);
    const float* out = net.forward(x.data(), rows);
    auto gradient = net.output_gradient(rows);
    ctnn::loss::value_and_gradient(ctnn::loss::mse{}, ctnn::detail::matrix_view(out, rows, 1), y, gradient);
    net.backward();
    std::vector<double> norms;
    net.for_each_parameter([&](const auto& p) {
        if constexpr (std::remove_cvref_t<decltype(p.value)>::rank == 2) {
            double sum = 0;
            for (const float g : p.grad) sum += double(g) * double(g);
            norms.push_back(std::sqrt(sum));
        }
    });
    return norms.front() / norms[norms.size() - 2];  // the last entry is the output layer
}
}  // namespace

int main() {
    ctnn::rng data(5);
    const auto x = data.normal_tensor<float>(256, width);
    auto y = ctnn::tensor<float, 2>::from_shape({256, 1});
    for (std::size_t i = 0; i < 256; ++i) y(i, 0) = std::tanh(x(i, 0) + x(i, 1) * x(i, 2));

    plain_net plain(/*seed=*/1);
    residual_net skip(/*seed=*/1);
    const double plain_ratio = gradient_ratio(plain, x, y), residual_ratio = gradient_ratio(skip, x, y);
    std::printf("%zu tanh layers of width %zu: ||dL/dW_1|| / ||dL/dW_%zu|| at initialisation\n", depth, width, depth);
    std::printf("  plain     %.3g\n  residual  %.3g\n", plain_ratio, residual_ratio);

    const ctnn::fit_options options{.epochs = 40, .batch_size = 32, .seed = 3};
    // The same cures for both: SGD, and the gradient's global norm clipped at 1 (without it, the
    // residual network's first steps are large enough to overflow).
    ctnn::trainer plain_trainer{plain, ctnn::optim::sgd{.lr = 0.05}, ctnn::clip::by_global_norm{.max_norm = 1.0}};
    ctnn::trainer residual_trainer{skip, ctnn::optim::sgd{.lr = 0.05}, ctnn::clip::by_global_norm{.max_norm = 1.0}};
    const auto plain_result = plain_trainer.fit(x, y, options);
    const auto residual_result = residual_trainer.fit(x, y, options);
    std::printf("MSE after %zu epochs of SGD (lr 0.05, clipped at 1): plain %.4f (from %.4f), residual %.4f (from %.4f)\n",
                options.epochs, plain_result.epoch_losses.back(), plain_result.epoch_losses.front(),
                residual_result.epoch_losses.back(), residual_result.epoch_losses.front());
    std::printf("result: plain_ratio=%.3g residual_ratio=%.3g plain_loss=%.4f residual_loss=%.4f\n", plain_ratio,
                residual_ratio, plain_result.epoch_losses.back(), residual_result.epoch_losses.back());
    return residual_ratio > 100 * plain_ratio && residual_result.epoch_losses.back() < plain_result.epoch_losses.back()
               ? 0
               : 1;
}
