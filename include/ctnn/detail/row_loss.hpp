// The loop of every loss given as a row formula (loss::softmax_cross_entropy, nll,
// probability_cross_entropy, or a user's): per row, each reduction of the formula and of its
// derived gradient once, then the row's loss, then each element's gradient, all in double.
//
// Two kinds of target: class labels (B, 1), when the formula picks ŷ[y], with rows weighed by
// their class's weight (PyTorch's mean Σᵢ w_yᵢ·lᵢ / Σᵢ w_yᵢ); or one target per element (B, C),
// when it reads y, with the plain mean over rows (PyTorch's rule for probability targets).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/class_weights.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/expr/derivative.hpp"
#include "ctnn/expr/evaluate.hpp"
#include "ctnn/expr/row.hpp"
#include "ctnn/expr/term.hpp"

namespace ctnn::detail {

template <class L>
using row_formula_t = std::remove_cvref_t<decltype(L::row_formula)>;
/// dl/dŷⱼ of a row formula, as derived: an element formula reading the row's reductions.
template <class L>
using row_gradient_t = expr::derivative_t<row_formula_t<L>, expr::var<expr::prediction_tag>>;

/// The values the formulas read while the loop moves along one row: the row's reductions, and
/// the current element's ŷⱼ, yⱼ, wⱼ and [j = y].
template <class Values>
struct row_scope {
    double prediction = 0.0, target = 0.0, weight = 1.0, indicator = 0.0;
    Values values{};
};

template <class Self, class Values>
auto row_environment(const Self& loss, const row_scope<Values>& s) {
    return expr::make_environment(&loss, expr::bind(expr::prediction, s.prediction), expr::bind(expr::target, s.target),
                                  expr::bind(expr::class_weight, s.weight), expr::bind(expr::is_label, s.indicator),
                                  expr::binding<expr::row_values_tag, Values>{&s.values});
}

/// One reduction's value over the row; `at(j)` moves the scope to element j.
template <class R, class Env, class At>
double reduce(const Env& env, const At& at, std::size_t classes, std::size_t label) {
    return []<class Fn, class X>(expr::call<Fn, X>, const Env& e, const At& move_to, std::size_t n, std::size_t y) {
        if constexpr (std::is_same_v<Fn, expr::at_label_fn>) {
            move_to(y);
            return expr::evaluate_scalar(X{}, e);
        } else if constexpr (std::is_same_v<Fn, expr::row_sum_fn>) {
            double sum = 0.0;
            for (std::size_t j = 0; j < n; ++j) {
                move_to(j);
                sum += expr::evaluate_scalar(X{}, e);
            }
            return sum;
        } else {
            static_assert(std::is_same_v<Fn, expr::log_sum_exp_fn>);
            // shifted by the largest: m + log Σ e^(xⱼ − m). A NaN the comparisons skip still
            // makes the sum, and so the loss, NaN.
            move_to(0);
            double largest = expr::evaluate_scalar(X{}, e);
            for (std::size_t j = 1; j < n; ++j) {
                move_to(j);
                largest = std::max(largest, expr::evaluate_scalar(X{}, e));
            }
            double sum = 0.0;
            for (std::size_t j = 0; j < n; ++j) {
                move_to(j);
                sum += std::exp(expr::evaluate_scalar(X{}, e) - largest);
            }
            return largest + std::log(sum);
        }
    }(R{}, env, at, classes, label);
}

template <class... R, class Env, class At>
void reduce_row(expr::row_values<R...>& values, const Env& env, const At& at, std::size_t classes, std::size_t label) {
    std::size_t k = 0;
    ((values.value[k++] = reduce<R>(env, at, classes, label)), ...);
}

/// Throws shape_error unless `m` (`what`: the target, the gradient) is a (B, N) matrix of the
/// prediction's shape; the message ends with `tail`.
template <class P, class M, class... Tail>
void require_prediction_shape(std::string_view loss, const P& prediction, const M& m, std::string_view what,
                              const Tail&... tail) {
    if (m.dimension() == 2 && m.shape()[0] == prediction.shape()[0] && m.shape()[1] == prediction.shape()[1]) return;
    std::string message = "ctnn: " + std::string(loss) + ": " + std::string(what) + " has shape "
                          + shape_string(m.shape()) + ", expected " + shape_string(prediction.shape());
    ((message += tail), ...);
    throw shape_error(message);
}

/// The target: class labels in 0..C−1 (B, 1), or the prediction's shape (B, C).
template <class L, class P, class Y>
void check_row_targets(const P& prediction, const Y& target) {
    if constexpr (expr::reads_labels_v<row_formula_t<L>>)
        check_class_labels(prediction, target, L::name);
    else if constexpr (requires { L::target_hint; })
        require_prediction_shape(L::name, prediction, target, "the target", ": ", L::target_hint);
    else
        require_prediction_shape(L::name, prediction, target, "the target");
}

/// A row loss's class weights: its `class_weights`, or none (every class weighs 1).
template <class L>
const std::vector<double>& class_weights_of(const L& loss) noexcept {
    static const std::vector<double> unweighted;
    if constexpr (requires { loss.class_weights; })
        return loss.class_weights;
    else
        return unweighted;
}

/// What a row loss's value over `rows` rows is a mean over: with labels, the sum of their
/// class weights (PyTorch's Σᵢ w_yᵢ; the rows without weights), else the rows.
template <class L, class Y>
double row_loss_total(const L& loss, const Y& target, std::size_t rows) {
    if constexpr (expr::reads_labels_v<row_formula_t<L>>)
        return label_weight_sum(class_weights_of(loss), target, rows);
    else
        return double(rows);
}

/// ŷ (B, C), y (B, 1) labels or (B, C) -> L, and with Gradient dL/dŷ (B, C) into *grad: per row
/// (dl/dŷⱼ)·wᵢ/Σw, the weight entering last as in PyTorch's backward.
template <bool Gradient, class L, class P, class Y, class G>
double row_loss(const L& loss, const P& prediction, const Y& target, G* grad) {
    using F = row_formula_t<L>;
    using D = row_gradient_t<L>;
    using values_type = expr::reductions_of_t<F, D>;
    constexpr bool labels = expr::reads_labels_v<F>;
    check_row_targets<L>(prediction, target);
    const std::size_t rows = prediction.shape()[0], classes = prediction.shape()[1];
    const std::vector<double>* weights = &class_weights_of(loss);
    check_class_weight_count(*weights, classes, L::name);
    const double total = row_loss_total(loss, target, rows);

    row_scope<values_type> s;
    const auto env = row_environment(loss, s);
    const auto* p = prediction.data();
    const auto* y = target.data();
    double sum = 0.0;
    for (std::size_t i = 0; i < rows; ++i, p += classes) {
        const std::size_t label = labels ? class_label(target, i) : 0;
        const auto at = [&](std::size_t j) {
            s.prediction = double(p[j]);
            if constexpr (!labels) s.target = double(y[i * classes + j]);
            s.weight = class_weight(*weights, j);
            s.indicator = labels && j == label ? 1.0 : 0.0;
        };
        reduce_row(s.values, env, at, classes, label);
        const double row_weight = labels ? class_weight(*weights, label) : 1.0;
        sum += row_weight * expr::evaluate_scalar(F{}, env);
        if constexpr (Gradient) {
            using T = typename G::value_type;
            const double norm = row_weight / total;
            T* g = grad->data() + i * classes;
            for (std::size_t j = 0; j < classes; ++j) {
                at(j);
                g[j] = T(expr::evaluate_scalar(D{}, env) * norm);
            }
        }
    }
    return sum / total;
}

}  // namespace ctnn::detail
