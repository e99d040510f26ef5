// hardtanh: a = clamp(z, min, max) (PyTorch's Hardtanh, [−1, 1]); da/dz = 1 strictly inside
// (min, max), 0 outside and at the bounds themselves, as PyTorch's backward.
#pragma once

#include <ratio>
#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// `Min` and `Max` are std::ratios (no floating-point template arguments on clang 14).
template <class Min = std::ratio<-1>, class Max = std::ratio<1>>
struct basic_hardtanh {
    static_assert(std::ratio_less_v<Min, Max>, "ctnn: hardtanh's min must be less than its max");
    static constexpr double min_val = double(Min::num) / double(Min::den);
    static constexpr double max_val = double(Max::num) / double(Max::den);
    static constexpr std::string_view name = "hardtanh";
    /// a lies strictly inside (min, max) exactly where z does, so the derivative is read off a.
    static constexpr bool derivative_needs_preactivation = false;

    // z (B, N) -> a (B, N)
    template <class E>
    static auto forward(const E& z) {
        using T = typename E::value_type;
        // where() rather than min/max: it vectorises, and a NaN z stays NaN as in PyTorch.
        return xt::where(z < T(min_val), T(min_val), xt::where(z > T(max_val), T(max_val), z));
    }
    // (z, a) -> da/dz (B, N)
    template <class Z, class A>
    static auto derivative(const Z&, const A& a) {
        using T = typename A::value_type;
        return xt::where(a <= T(min_val) || a >= T(max_val), T(0), T(1));
    }
};

using hardtanh = basic_hardtanh<>;

}  // namespace ctnn
