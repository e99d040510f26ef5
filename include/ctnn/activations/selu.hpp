// selu: a = λz for z > 0, λα(e^z − 1) otherwise, with PyTorch's (and Klambauer et al.'s)
// self-normalising constants α ≈ 1.6733, λ ≈ 1.0507; da/dz = λ or λαe^z.
#pragma once

#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

struct selu {
    static constexpr double alpha = 1.6732632423543772848170429916717;
    static constexpr double scale = 1.0507009873554804934193349852946;
    static constexpr std::string_view name = "selu";
    /// As for elu: λαe^z cannot be read off a for z << 0 (a + λα cancels), so z is kept.
    static constexpr bool derivative_needs_preactivation = true;

    // z (B, N) -> a (B, N)
    template <class E>
    static auto forward(const E& z) {
        using T = typename E::value_type;
        // expm1 keeps e^z − 1 accurate near 0. For z >> 0 the unselected branch is inf, which
        // where() drops; a NaN z stays NaN.
        return xt::where(z > T(0), T(scale) * z, T(scale * alpha) * xt::expm1(z));
    }
    // (z, a) -> da/dz (B, N); λα at z = 0, as PyTorch's backward (it tests z <= 0).
    template <class Z, class A>
    static auto derivative(const Z& z, const A&) {
        using T = typename Z::value_type;
        return xt::where(z > T(0), T(scale), T(scale * alpha) * xt::exp(z));
    }
};

}  // namespace ctnn
