// The one pass of l1 and l2 over a parameter: the sum the loss adds and the term the gradient
// adds, in the same loop. The sum runs in eight independent double accumulators, combined in a
// fixed order, so it does not change from run to run: a single running sum was a chain of
// dependent adds, one element per add's latency, which made an L2 penalty on W6's network cost
// a third of an Adam step (docs/benchmarks.md).
#pragma once

#include <cmath>
#include <cstddef>

namespace ctnn::regularize::detail {

enum class penalty_norm { l1, l2 };

/// θ (n), grad (n) -> Σ|θ| (l1) or Σθ² (l2) in double; grad += scale·sign(θ) (l1, sign 0 at 0)
/// or grad += scale·θ (l2).
template <penalty_norm Norm, class T>
double penalty_pass(const T* __restrict theta, T* __restrict grad, std::size_t n, T scale) {
    const auto term = [](T v) {
        if constexpr (Norm == penalty_norm::l2)
            return double(v) * double(v);
        else
            return std::abs(double(v));
    };
    const auto direction = [](T v) {
        if constexpr (Norm == penalty_norm::l2)
            return v;
        else
            return T(T(0) < v) - T(v < T(0));
    };
    constexpr std::size_t lanes = 8;
    double sums[lanes] = {};
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (std::size_t k = 0; k < lanes; ++k) {
            sums[k] += term(theta[i + k]);
            grad[i + k] += scale * direction(theta[i + k]);
        }
    double tail = 0.0;
    for (; i < n; ++i) {
        tail += term(theta[i]);
        grad[i] += scale * direction(theta[i]);
    }
    return (((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5]) + (sums[6] + sums[7]))) + tail;
}

}  // namespace ctnn::regularize::detail
