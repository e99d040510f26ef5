// identity: a = z, da/dz = 1. The default activation of a dense layer (a linear output).
#pragma once

#include <string_view>
#include <utility>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

struct identity {
    static constexpr std::string_view name = "identity";
    /// The derivative is a function of the output alone, so z need not be kept.
    static constexpr bool derivative_needs_preactivation = false;

    // z (B, N) -> a (B, N)
    template <class E>
    static decltype(auto) forward(E&& z) {
        return std::forward<E>(z);
    }
    // (z, a) -> da/dz (B, N)
    template <class Z, class A>
    static auto derivative(const Z&, const A& a) {
        using T = typename A::value_type;
        return xt::ones_like(a) * T(1);
    }
};

}  // namespace ctnn
