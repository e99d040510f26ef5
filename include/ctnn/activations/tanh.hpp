// tanh: a = tanh z; da/dz = 1 - a². Saturates for |z| >> 1: a cause of vanishing gradients.
#pragma once

#include <string_view>

#include "ctnn/detail/rational_tanh.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

struct tanh {
    static constexpr std::string_view name = "tanh";
    static constexpr bool derivative_needs_preactivation = false;
    /// |a| <= 1 for every input (NaN stays NaN): a layer reading a needs no scan for its size.
    static constexpr double output_bound = 1.0;

    // z (B, N) -> a (B, N)
    template <class E>
    static auto forward(E&& z) {
        return detail::tanh(std::forward<E>(z));  // float: the rational form, 4 ulps at most
    }
    // (z, a) -> da/dz (B, N)
    template <class Z, class A>
    static auto derivative(const Z&, const A& a) {
        using T = typename A::value_type;
        return T(1) - a * a;
    }
};

}  // namespace ctnn
