// relu: a = max(z, 0); da/dz = 1 where z > 0, else 0 (PyTorch's choice at z = 0).
#pragma once

#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

struct relu {
    static constexpr std::string_view name = "relu";
    /// a > 0 exactly where z > 0, so the derivative is read off the output.
    static constexpr bool derivative_needs_preactivation = false;

    // z (B, N) -> a (B, N)
    // where, not maximum: xtensor 0.24's maximum has no SIMD path; z < 0 is false for NaN, so
    // NaN propagates as in PyTorch.
    template <class E>
    static auto forward(const E& z) {
        using T = typename E::value_type;
        return xt::where(z < T(0), T(0), z);
    }
    // (z, a) -> da/dz (B, N)
    template <class Z, class A>
    static auto derivative(const Z&, const A& a) {
        using T = typename A::value_type;
        return xt::where(a > T(0), T(1), T(0));
    }
};

}  // namespace ctnn
