// The loop every element-wise mean loss (mae, huber, smooth_l1, bce_with_logits) shares: each
// loss supplies only its per-element value and gradient, computed in double.
#pragma once

#include <cstddef>

namespace ctnn::detail {

// ŷ (B, N), y (B, N) -> mean over the B·N elements of value(ŷᵢ, yᵢ)
template <class P, class Y, class Value>
double elementwise_mean(const P& prediction, const Y& target, Value value) {
    const auto* p = prediction.data();
    const auto* y = target.data();
    const std::size_t n = prediction.size();
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += value(double(p[i]), double(y[i]));
    return sum / double(n);
}

// ŷ (B, N), y (B, N) -> the mean as above, and grad (B, N) with gradᵢ = gradient(ŷᵢ, yᵢ, 1/(B·N))
// (the loss decides where the 1/(B·N) enters, as PyTorch's backward does, for identical bits)
template <class P, class Y, class G, class Value, class Gradient>
double elementwise_mean_and_gradient(const P& prediction, const Y& target, G& grad, Value value,
                                     Gradient gradient) {
    using T = typename G::value_type;
    const auto* p = prediction.data();
    const auto* y = target.data();
    auto* g = grad.data();
    const std::size_t n = prediction.size();
    const double norm = 1.0 / double(n);
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double pi = double(p[i]), yi = double(y[i]);
        g[i] = T(gradient(pi, yi, norm));
        sum += value(pi, yi);
    }
    return sum / double(n);
}

}  // namespace ctnn::detail
