// elu: a = z for z > 0, α(e^z − 1) otherwise; da/dz = 1 or αe^z (PyTorch's ELU, α = 1).
#pragma once

#include <ratio>
#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// `Alpha` is a std::ratio (floating-point template arguments are not portable to clang 14).
template <class Alpha = std::ratio<1>>
struct basic_elu {
    static constexpr double alpha = double(Alpha::num) / double(Alpha::den);
    static constexpr std::string_view name = "elu";
    /// αe^z read off the output as a + α cancels for z << 0 (at z = −30, e^z is below a's
    /// rounding error), so the layer keeps z.
    static constexpr bool derivative_needs_preactivation = true;

    // z (B, N) -> a (B, N)
    template <class E>
    static auto forward(const E& z) {
        using T = typename E::value_type;
        // expm1 keeps e^z − 1 accurate near 0. For z >> 0 the unselected branch is inf, which
        // where() drops; a NaN z stays NaN.
        return xt::where(z > T(0), z, T(alpha) * xt::expm1(z));
    }
    // (z, a) -> da/dz (B, N); α at z = 0, as PyTorch's backward (it tests z <= 0).
    template <class Z, class A>
    static auto derivative(const Z& z, const A&) {
        using T = typename Z::value_type;
        return xt::where(z > T(0), T(1), T(alpha) * xt::exp(z));
    }
};

using elu = basic_elu<>;

}  // namespace ctnn
