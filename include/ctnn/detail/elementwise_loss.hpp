// The loop every element-wise mean loss (mse, mae, huber, smooth_l1, bce_with_logits) shares:
// each loss supplies only its per-element value and gradient, computed in double. The sum runs
// in four accumulators, element i into i mod 4, then ((s0 + s1) + (s2 + s3)): with one, each add
// waited on the previous one.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include <xsimd/xsimd.hpp>

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

/// elementwise_mean_and_gradient (grad non-null) or elementwise_mean (null) for a loss whose
/// value and gradient take any number type, a double or an xsimd batch of doubles (an arithmetic
/// formula: expr::is_arithmetic_v): L elements at a time, element i in lane i mod L, the rest one
/// at a time into the lane it would have had, then the lanes summed pairwise, which for four
/// lanes is interleaved_sum's order.
template <class P, class Y, class G, class Value, class Gradient>
double elementwise_mean_lanes(const P& prediction, const Y& target, G* grad, Value value, Gradient gradient) {
    using B = xsimd::batch<double>;
    constexpr std::size_t L = B::size;
    constexpr bool with_gradient = !std::is_same_v<G, std::nullptr_t>;
    const auto* p = prediction.data();
    const auto* y = target.data();
    const std::size_t n = prediction.size();
    const double norm = 1.0 / double(n);
    B sums(0.0);
    std::size_t i = 0;
    for (; i + L <= n; i += L) {
        const B pi = xsimd::load_as<double>(p + i, xsimd::unaligned_mode{});
        const B yi = xsimd::load_as<double>(y + i, xsimd::unaligned_mode{});
        if constexpr (with_gradient) xsimd::store_as(grad->data() + i, gradient(pi, yi, B(norm)), xsimd::unaligned_mode{});
        sums += value(pi, yi);
    }
    alignas(64) double lanes[L];
    sums.store_aligned(lanes);
    for (std::size_t k = 0; i < n; ++i, ++k) {
        const double pi = double(p[i]), yi = double(y[i]);
        if constexpr (with_gradient) grad->data()[i] = typename G::value_type(gradient(pi, yi, norm));
        lanes[k] += value(pi, yi);
    }
    for (std::size_t width = 1; width < L; width *= 2)
        for (std::size_t k = 0; k + width < L; k += 2 * width) lanes[k] += lanes[k + width];
    return lanes[0] / double(n);
}

}  // namespace ctnn::detail
