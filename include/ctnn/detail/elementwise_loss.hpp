// The loop every element-wise mean loss (mse, mae, huber, smooth_l1, bce_with_logits) shares:
// each loss supplies only its per-element value and gradient, computed in double. The sum runs
// in four accumulators, element i into i mod 4, then ((s0 + s1) + (s2 + s3)): with one, each add
// waited on the previous one.
#pragma once

#include <array>
#include <cstddef>

namespace ctnn::detail {

/// Σ_i term(i) over i < n in four interleaved double accumulators, always in the same order.
template <class Term>
double interleaved_sum(std::size_t n, Term term) {
    std::array<double, 4> s{};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (std::size_t k = 0; k < 4; ++k) s[k] += term(i + k);
    for (std::size_t k = 0; i < n; ++i, ++k) s[k] += term(i);
    return (s[0] + s[1]) + (s[2] + s[3]);
}

// ŷ (B, N), y (B, N) -> mean over the B·N elements of value(ŷᵢ, yᵢ)
template <class P, class Y, class Value>
double elementwise_mean(const P& prediction, const Y& target, Value value) {
    const auto* p = prediction.data();
    const auto* y = target.data();
    const std::size_t n = prediction.size();
    return interleaved_sum(n, [&](std::size_t i) { return value(double(p[i]), double(y[i])); }) / double(n);
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
    const double sum = interleaved_sum(n, [&](std::size_t i) {
        const double pi = double(p[i]), yi = double(y[i]);
        g[i] = T(gradient(pi, yi, norm));
        return value(pi, yi);
    });
    return sum / double(n);
}

}  // namespace ctnn::detail
