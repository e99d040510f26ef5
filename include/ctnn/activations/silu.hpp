// silu (swish): a = z·σ(z) = z/(1 + e^−z); da/dz = σ(z)(1 + z(1 − σ(z))) = σ(z)(1 + z − a).
#pragma once

#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

struct silu {
    static constexpr std::string_view name = "silu";
    /// σ(z) cannot be recovered from a = zσ(z) (not at z = 0, and a is not monotonic), so z is kept.
    static constexpr bool derivative_needs_preactivation = true;

    // z (B, N) -> a (B, N); for z << 0, e^−z = inf and a = z/inf = −0, never NaN.
    template <class E>
    static auto forward(const E& z) {
        using T = typename E::value_type;
        return z / (T(1) + xt::exp(-z));
    }
    // (z, a) -> da/dz (B, N)
    // z(1 − σ) = z − a saves the second exponential; (z − a) + 1 in that order, since 1 + z
    // would round to z for huge z.
    template <class Z, class A>
    static auto derivative(const Z& z, const A& a) {
        using T = typename Z::value_type;
        return ((z - a) + T(1)) / (T(1) + xt::exp(-z));
    }
};

}  // namespace ctnn
