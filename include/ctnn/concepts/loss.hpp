// What a loss policy must provide.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

template <class L>
concept loss_has_value = requires(const L& l, const tensor<double, 2>& prediction,
                                   const tensor<double, 2>& target) {
    { l.value(prediction, target) } -> std::convertible_to<double>;
};

template <class L>
concept loss_has_gradient = requires(const L& l, const tensor<double, 2>& prediction,
                                     const tensor<double, 2>& target, tensor<double, 2>& grad) {
    { l.value_and_gradient(prediction, target, grad) } -> std::convertible_to<double>;
};

template <class L>
concept loss_has_traits = std::default_initializable<L> && requires {
    { L::name } -> std::convertible_to<std::string_view>;
};

/// A scalar loss of a (B, N) prediction against a (B, N) target: `value`, and
/// `value_and_gradient` which also writes dL/dprediction (B, N). Const members, so a loss may
/// carry settings (a Huber delta); default constructible.
template <class L>
concept loss_policy = loss_has_value<L> && loss_has_gradient<L> && loss_has_traits<L>;

namespace detail {
/// Columns of the target a loss reads for a network of `OutputWidth` outputs: the same width,
/// unless the loss says otherwise (class labels: one column).
template <class L, std::size_t OutputWidth>
constexpr std::size_t loss_target_width() {
    if constexpr (requires { L::template target_width<OutputWidth>; })
        return L::template target_width<OutputWidth>;
    else
        return OutputWidth;
}
/// Whether a loss accepts a network of `OutputWidth` outputs (softmax cross-entropy needs two).
template <class L, std::size_t OutputWidth>
constexpr bool loss_fits_output() {
    if constexpr (requires { L::template fits_output<OutputWidth>; })
        return L::template fits_output<OutputWidth>;
    else
        return true;
}
}  // namespace detail

}  // namespace ctnn
