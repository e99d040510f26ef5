// softsign: a = z/(1 + |z|); da/dz = 1/(1 + |z|)². Saturates polynomially, not exponentially.
#pragma once

#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

struct softsign {
    static constexpr std::string_view name = "softsign";
    /// (1 − |a|)² would be the same function of a, but 1 − |a| cancels as |a| → 1 (in float,
    /// by 5e-5 relative at z = 1000), so z is kept.
    static constexpr bool derivative_needs_preactivation = true;
    /// |a| <= 1 for every input (NaN stays NaN): a layer reading a needs no scan for its size.
    static constexpr double output_bound = 1.0;

    // z (B, N) -> a (B, N)
    template <class E>
    static auto forward(const E& z) {
        using T = typename E::value_type;
        return z / (T(1) + xt::abs(z));
    }
    // (z, a) -> da/dz (B, N)
    template <class Z, class A>
    static auto derivative(const Z& z, const A&) {
        using T = typename Z::value_type;
        return T(1) / xt::square(T(1) + xt::abs(z));
    }
};

}  // namespace ctnn
