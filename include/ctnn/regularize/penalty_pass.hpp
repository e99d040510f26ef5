// The one pass of l1 and l2 over a parameter: the sum the loss adds and the term the gradient
// adds, in the same loop, the sum in independent accumulators (detail::sum_in_lanes; a single
// running sum's chain of dependent adds was most of a penalty's cost: docs/benchmarks.md).
#pragma once

#include <cmath>
#include <cstddef>

#include "ctnn/detail/norms.hpp"

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
    return ctnn::detail::sum_in_lanes(n, [&](std::size_t i) {
        grad[i] += scale * direction(theta[i]);
        return term(theta[i]);
    });
}

}  // namespace ctnn::regularize::detail
