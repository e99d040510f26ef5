// leaky_relu: a = z for z > 0, slope·z otherwise (PyTorch's default slope 0.01).
#pragma once

#include <ratio>
#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// `Slope` is a std::ratio (floating-point template arguments are not portable to clang 14).
template <class Slope = std::ratio<1, 100>>
struct basic_leaky_relu {
    static_assert(Slope::num > 0 && Slope::num < Slope::den,
                  "ctnn: leaky_relu's slope must lie in (0, 1)");
    static constexpr double slope = double(Slope::num) / double(Slope::den);
    static constexpr std::string_view name = "leaky_relu";
    /// With 0 < slope, a > 0 exactly where z > 0: the derivative is read off the output.
    static constexpr bool derivative_needs_preactivation = false;

    // z (B, N) -> a (B, N)
    // where, not maximum: xtensor 0.24's maximum has no SIMD path; NaN propagates.
    template <class E>
    static auto forward(const E& z) {
        using T = typename E::value_type;
        return xt::where(z < T(0), T(slope) * z, z);
    }
    // (z, a) -> da/dz (B, N)
    template <class Z, class A>
    static auto derivative(const Z&, const A& a) {
        using T = typename A::value_type;
        return xt::where(a > T(0), T(1), T(slope));
    }
};

using leaky_relu = basic_leaky_relu<>;

}  // namespace ctnn
