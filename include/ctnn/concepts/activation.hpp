// What an activation policy must provide; each requirement is named so a diagnostic can say
// which one is missing.
#pragma once

#include <concepts>
#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

template <class A>
concept activation_has_forward = requires(const tensor<double, 2>& z) {
    { A::forward(z) } -> std::convertible_to<tensor<double, 2>>;
};

template <class A>
concept activation_has_derivative = requires(const tensor<double, 2>& z) {
    { A::derivative(z, z) } -> std::convertible_to<tensor<double, 2>>;
};

template <class A>
concept activation_has_traits = requires {
    { A::name } -> std::convertible_to<std::string_view>;
    { A::derivative_needs_preactivation } -> std::convertible_to<bool>;
};

/// An element-wise nonlinearity: `forward(z)` and `derivative(z, a)` as lazy xtensor
/// expressions, a `name`, and whether the derivative needs z (else it is computed from a alone).
template <class A>
concept activation_policy = activation_has_forward<A> && activation_has_derivative<A>
                     && activation_has_traits<A>;

}  // namespace ctnn
