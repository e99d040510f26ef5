// sigmoid: a = 1 / (1 + e^-z); da/dz = a(1 - a) <= 1/4, which is why deep sigmoid nets vanish.
#pragma once

#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

struct sigmoid {
    static constexpr std::string_view name = "sigmoid";
    static constexpr bool derivative_needs_preactivation = false;
    /// |a| <= 1 for every input (NaN stays NaN): a layer reading a needs no scan for its size.
    static constexpr double output_bound = 1.0;

    // z (B, N) -> a (B, N)
    template <class E>
    static auto forward(E&& z) {
        using T = typename std::decay_t<E>::value_type;
        return T(1) / (T(1) + xt::exp(-std::forward<E>(z)));
    }
    // (z, a) -> da/dz (B, N)
    template <class Z, class A>
    static auto derivative(const Z&, const A& a) {
        using T = typename A::value_type;
        return a * (T(1) - a);
    }
};

}  // namespace ctnn
