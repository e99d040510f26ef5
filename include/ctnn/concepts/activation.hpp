// What an activation policy must provide: a `name` and its `formula`, an expression in z (see
// docs/expressions.md). Its derivative is derived; each requirement is named so a diagnostic
// can say which one is missing.
#pragma once

#include <concepts>
#include <string_view>
#include <type_traits>

#include "ctnn/expr/term.hpp"

namespace ctnn {

template <class A>
concept activation_has_formula = requires { A::formula; } && expr::term<std::remove_cvref_t<decltype(A::formula)>>;

template <class A>
concept activation_has_name = requires {
    { A::name } -> std::convertible_to<std::string_view>;
};

/// The formula reads z and nothing else (a loss's ŷ or y has no value inside a layer, nor a
/// policy's run-time setting<>: a layer holds no activation object).
template <class A>
concept activation_formula_reads_only_z =
    activation_has_formula<A>
    && std::is_void_v<expr::first_foreign_variable_t<std::remove_cvref_t<decltype(A::formula)>,
                                                     expr::var<expr::preactivation_tag>>>
    && !expr::reads_setting_v<std::remove_cvref_t<decltype(A::formula)>>
    && !expr::is_constant_v<std::remove_cvref_t<decltype(A::formula)>>;  // and reads z

/// An element-wise nonlinearity a = f(z), given as `static constexpr auto formula` (an
/// expression in ctnn::expr::z) with a `name`.
template <class A>
concept activation_policy = activation_has_formula<A> && activation_has_name<A> && activation_formula_reads_only_z<A>;

}  // namespace ctnn
