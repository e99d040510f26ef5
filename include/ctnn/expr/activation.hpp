// An activation is its formula: `static constexpr auto formula = z * sigmoid(z);` and a name.
// Everything a layer needs is derived from it at compile time: the forward expression, the
// derivative, whether that derivative can be read off the output a = f(z) (then a layer keeps
// only a) or needs z, and a bound on |a| where the outermost function has one.
#pragma once

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "ctnn/expr/derivative.hpp"
#include "ctnn/expr/evaluate.hpp"
#include "ctnn/expr/rules.hpp"
#include "ctnn/expr/term.hpp"

namespace ctnn::expr {

template <class A>
using formula_of = std::remove_cvref_t<decltype(A::formula)>;
/// Whether activations A and B are one function (one formula type), whatever their names: a
/// user's apply<relu>(linear(x)) layer is a relu layer.
template <class A, class B>
inline constexpr bool same_formula_v = std::is_same_v<formula_of<A>, formula_of<B>>;

namespace detail_activation {
/// max |f(z)| over every z, where f's outermost primitive bounds it; below 0: unknown.
template <class F>
constexpr double bound_of() {
    if constexpr (is_call<F>::value) {
        return []<class Fn, class... A>(call<Fn, A...>) {
            if constexpr (requires { Fn::bound; })
                return Fn::bound;
            else if constexpr (std::is_same_v<Fn, clamp_fn>)
                return []<class X, class Lo, class Hi>(call<clamp_fn, X, Lo, Hi>) {
                    // bounds with a value known here (a rational, a named constant); a bound
                    // computed from them (−√2) is evaluated at run time only, so unknown here
                    if constexpr (requires { Lo::value; Hi::value; })
                        return std::max(Lo::value < 0 ? -Lo::value : Lo::value, Hi::value < 0 ? -Hi::value : Hi::value);
                    else
                        return -1.0;
                }(call<Fn, A...>{});
            else
                return -1.0;
        }(F{});
    } else {
        return -1.0;
    }
}
}  // namespace detail_activation

template <class A>
struct activation_traits {
    using formula = formula_of<A>;
    using input = var<preactivation_tag>;
    using output = var<output_tag>;
    /// da/dz as derived, in z.
    using derivative_in_z = derivative_t<formula, input>;
    /// The same with f(z) replaced by a wherever it occurs: what backward evaluates.
    using derivative_expression = substitute_t<derivative_in_z, formula, output>;

    static constexpr bool is_identity = std::is_same_v<formula, input>;
    /// Whether backward reads z (the layer then keeps it beside a).
    static constexpr bool needs_preactivation = contains_v<input, derivative_expression>;
    /// |a| ≤ output_bound for every z (NaN aside); below 0 where nothing bounds it.
    static constexpr double output_bound = [] {
        if constexpr (requires { A::output_bound; })
            return double(A::output_bound);
        else
            return detail_activation::bound_of<formula>();
    }();

    // z (rows, cols) -> a = f(z), a lazy element-wise expression holding z by reference.
    // (the parameters are not named z and a: those are the formula's variables, expr::z, expr::a)
    template <class Z>
    static decltype(auto) forward(const Z& preactivation) {
        using T = typename Z::value_type;
        if constexpr (is_identity)
            return preactivation;
        else
            return expr::evaluate<T>(formula{}, make_environment<void>(nullptr, bind(input{}, preactivation)));
    }
    // (z, a) -> da/dz, lazy, holding z and a by reference (a's shape filled with the constant
    // where the derivative is one, as identity's 1).
    template <class Z, class Out>
    static auto derivative(const Z& preactivation, const Out& output_value) {
        using T = typename Z::value_type;
        const auto env = make_environment<void>(nullptr, bind(input{}, preactivation), bind(output{}, output_value));
        if constexpr (is_constant_v<derivative_expression>)  // identity: 1, as a's shape
            return xt::ones_like(output_value) * expr::evaluate<T>(derivative_expression{}, env);
        else
            return expr::evaluate<T>(derivative_expression{}, env);
    }
};

}  // namespace ctnn::expr
