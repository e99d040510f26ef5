// What a loss policy must provide.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>

#include "ctnn/detail/xtensor.hpp"
#include "ctnn/expr/row.hpp"
#include "ctnn/expr/term.hpp"

namespace ctnn {

namespace detail {
/// The first variable a loss's element formula F reads that a loss has no value for (void if
/// none): it reads ŷ and y.
template <class F>
using loss_formula_foreign_variable_t =
    expr::first_foreign_variable_t<F, expr::var<expr::prediction_tag>, expr::var<expr::target_tag>>;
/// The same for a row formula, which may also read each class's weight.
template <class F>
using loss_row_formula_foreign_variable_t =
    expr::first_foreign_variable_t<F, expr::var<expr::prediction_tag>, expr::var<expr::target_tag>,
                                   expr::var<expr::class_weight_tag>>;
}  // namespace detail

/// A loss given as the formula of one element, l(ŷ, y), in expr::prediction and expr::target:
/// its mean over the elements is the loss, and dl/dŷ is derived (docs/expressions.md).
template <class L>
concept loss_has_formula =
    requires { L::formula; } && expr::term<std::remove_cvref_t<decltype(L::formula)>>
    && std::is_void_v<detail::loss_formula_foreign_variable_t<std::remove_cvref_t<decltype(L::formula)>>>;

/// A loss given as one value per row (a sample's classes), built from row reductions
/// (expr::row_sum, expr::log_sum_exp, expr::at_label) of element formulas in expr::prediction,
/// expr::target and expr::class_weight: softmax_cross_entropy is logsumexp(ŷ) − ŷ[y]. Its
/// gradient is derived; the loss is the mean over rows (weighted by the label's class weight
/// when the formula picks ŷ[y]).
template <class L>
concept loss_has_row_formula =
    requires { L::row_formula; } && expr::term<std::remove_cvref_t<decltype(L::row_formula)>>
    && expr::is_row_formula_v<std::remove_cvref_t<decltype(L::row_formula)>>
    && std::is_void_v<detail::loss_row_formula_foreign_variable_t<std::remove_cvref_t<decltype(L::row_formula)>>>;

/// A loss written by hand: value, and value_and_gradient.
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

/// A scalar loss of a (B, N) prediction against a (B, N) target (or (B, 1) class labels): a
/// per-element `formula`, a per-row `row_formula`, or `value` and `value_and_gradient` (which
/// also writes dL/dprediction (B, N)) written by hand.
/// Const, so a loss may carry settings (a Huber delta); default constructible, with a `name`.
template <class L>
concept loss_policy = (loss_has_formula<L> || loss_has_row_formula<L> || (loss_has_value<L> && loss_has_gradient<L>))
                      && loss_has_traits<L>;

namespace detail {
/// Columns of the target a loss reads for a network of `OutputWidth` outputs: the same width,
/// unless the loss says otherwise (`target_width`), or its row formula picks ŷ[y] (at_label):
/// one column of class labels.
template <class L, std::size_t OutputWidth>
constexpr std::size_t loss_target_width() {
    if constexpr (requires { L::template target_width<OutputWidth>; })
        return L::template target_width<OutputWidth>;
    else if constexpr (loss_has_row_formula<L>)
        return expr::reads_labels_v<std::remove_cvref_t<decltype(L::row_formula)>> ? 1 : OutputWidth;
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
