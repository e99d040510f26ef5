// A loss's value and gradient, whatever way it is given: from its per-element formula (the mean
// of l(ŷ, y), and (dl/dŷ)/(B·N) with dl/dŷ derived at compile time, both in double element by
// element), from its per-row formula (detail/row_loss.hpp), or from its own value and
// value_and_gradient members.
#pragma once

#include "ctnn/concepts/loss.hpp"
#include "ctnn/detail/elementwise_loss.hpp"
#include "ctnn/detail/row_loss.hpp"
#include "ctnn/expr/derivative.hpp"
#include "ctnn/expr/evaluate.hpp"
#include "ctnn/expr/term.hpp"

namespace ctnn::loss {

/// dl/dŷ of a formula loss, as derived: `to_string(loss::gradient_formula<huber>())`; of a row
/// formula loss, dl/dŷⱼ: exp(ŷ − logsumexp(ŷ)) − [j = y] for softmax_cross_entropy.
template <class L>
constexpr auto gradient_formula() {
    if constexpr (loss_has_row_formula<L>)
        return expr::derivative(L::row_formula, expr::prediction);
    else
        return expr::derivative(L::formula, expr::prediction);
}

namespace detail_evaluate {
/// A formula loss's target and every loss's gradient have ŷ's shape: the loss reads and writes
/// them element by element, past the end of a smaller one.
template <class L, class P, class M>
void check_shape_of(const P& prediction, const M& m, std::string_view what) {
    detail::require_prediction_shape(L::name, prediction, m, what, " (the prediction's)");
}

/// ŷ and y bound for one element (doubles) or for SIMD lanes of them (batches).
template <class L, class B>
auto environment(const L& loss, const B& p, const B& y) {
    return expr::make_environment(&loss, expr::bind(expr::prediction, p), expr::bind(expr::target, y));
}
}  // namespace detail_evaluate

/// A formula loss whose formula and derivative are arithmetic (mse): evaluated on SIMD lanes.
template <class L>
concept loss_has_lane_formula = loss_has_formula<L> && expr::is_arithmetic_v<std::remove_cvref_t<decltype(L::formula)>>
                                && expr::is_arithmetic_v<decltype(gradient_formula<L>())>;

namespace detail_evaluate {
/// l(ŷ, y) and dl/dŷ·norm of such a loss, on doubles or on batches of them.
template <class L>
auto lane_value(const L& loss) {
    return [&loss]<class B>(const B& p, const B& y) { return expr::evaluate_lanes<B>(L::formula, environment(loss, p, y)); };
}
template <class L>
auto lane_gradient(const L& loss) {
    return [&loss]<class B>(const B& p, const B& y, const B& norm) {
        return expr::evaluate_lanes<B>(gradient_formula<L>(), environment(loss, p, y)) * norm;
    };
}
}  // namespace detail_evaluate

/// One element's loss l(ŷ, y) and its derivative dl/dŷ, of a formula loss.
template <class L>
double element(const L& loss, double p, double y) requires loss_has_formula<L> {
    return expr::evaluate_scalar(L::formula, detail_evaluate::environment(loss, p, y));
}
template <class L>
double element_gradient(const L& loss, double p, double y) requires loss_has_formula<L> {
    return expr::evaluate_scalar(gradient_formula<L>(), detail_evaluate::environment(loss, p, y));
}

/// What `value` over these rows (y's first `rows`) is a mean over, as a weight: for a
/// class-weighted loss on labels the sum of the rows' class weights (PyTorch's weighted mean),
/// else the rows. A mean over several batches (an epoch's loss, evaluate in chunks) weights each
/// batch's mean by it, which makes it the loss of all the rows at once.
template <class L, class Y>
double mean_weight(const L& loss, const Y& target, std::size_t rows) {
    if constexpr (loss_has_row_formula<L>)
        return detail::row_loss_total(loss, target, rows);
    else
        return double(rows);
}

// ŷ (B, N), y (B, N) -> L = the loss (a formula loss: the mean of l(ŷ, y))
template <class L, class P, class Y>
double value(const L& loss, const P& prediction, const Y& target) {
    if constexpr (loss_has_formula<L>) detail_evaluate::check_shape_of<L>(prediction, target, "the target");
    if constexpr (loss_has_lane_formula<L>)
        return detail::elementwise_mean_lanes(prediction, target, static_cast<std::nullptr_t*>(nullptr),
                                              detail_evaluate::lane_value(loss), detail_evaluate::lane_gradient(loss));
    else if constexpr (loss_has_formula<L>)
        return detail::elementwise_mean(prediction, target, [&](double p, double y) { return element(loss, p, y); });
    else if constexpr (loss_has_row_formula<L>)
        return detail::row_loss<false>(loss, prediction, target, static_cast<tensor<double, 2>*>(nullptr));
    else
        return loss.value(prediction, target);
}

// ŷ (B, N), y (B, N) -> L, and dL/dŷ into grad (B, N); for a formula loss (dl/dŷ)·1/(B·N), the
// mean's 1/(B·N) entering last, as in PyTorch's backward
template <class L, class P, class Y, class G>
double value_and_gradient(const L& loss, const P& prediction, const Y& target, G& grad) {
    if constexpr (loss_has_formula<L>) detail_evaluate::check_shape_of<L>(prediction, target, "the target");
    detail_evaluate::check_shape_of<L>(prediction, grad, "the gradient");
    if constexpr (loss_has_lane_formula<L>)
        return detail::elementwise_mean_lanes(prediction, target, &grad, detail_evaluate::lane_value(loss),
                                              detail_evaluate::lane_gradient(loss));
    else if constexpr (loss_has_formula<L>)
        return detail::elementwise_mean_and_gradient(
            prediction, target, grad, [&](double p, double y) { return element(loss, p, y); },
            [&](double p, double y, double norm) { return element_gradient(loss, p, y) * norm; });
    else if constexpr (loss_has_row_formula<L>)
        return detail::row_loss<true>(loss, prediction, target, &grad);
    else
        return loss.value_and_gradient(prediction, target, grad);
}

}  // namespace ctnn::loss
