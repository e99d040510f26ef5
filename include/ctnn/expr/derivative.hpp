// The derivative of an expression with respect to one of its variables, derived by the compiler
// from the rules in rules.hpp by the chain rule: d f(x₀, x₁, …) = Σᵢ ∂f/∂xᵢ · dxᵢ, and
// d select(c, x, y) = select(c, dx, dy). The result is itself an expression type, simplified as
// it is built, so it prints and evaluates like one written by hand.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ctnn/expr/rules.hpp"
#include "ctnn/expr/term.hpp"

namespace ctnn::expr {

template <term E, class Tag>
constexpr auto derivative(E, var<Tag>);

namespace detail_derivative {
template <class Fn, std::size_t I, class V, class... A>
constexpr auto chain_term() {
    using argument = std::tuple_element_t<I, std::tuple<A...>>;
    using inner = decltype(derivative(argument{}, V{}));
    if constexpr (is_zero_v<inner>)
        return rational<0>{};  // the partial is never formed
    else
        return Fn::template partial<I, A...>() * inner{};
}

template <class V, class Fn, class... A, std::size_t... I>
constexpr auto derive_call(call<Fn, A...>, V, std::index_sequence<I...>) {
    return (rational<0>{} + ... + chain_term<Fn, I, V, A...>());
}

template <class V, class C, class X, class Y>
constexpr auto derive_call(call<select_fn, C, X, Y>, V, std::index_sequence<0, 1, 2>) {
    return select(C{}, derivative(X{}, V{}), derivative(Y{}, V{}));
}
}  // namespace detail_derivative

/// d E / d v: `derivative(z * sigmoid(z), z)` is σ(z) + z·σ(z)·(1 − σ(z)).
template <term E, class Tag>
constexpr auto derivative(E, var<Tag>) {
    if constexpr (std::is_same_v<E, var<Tag>>)
        return rational<1>{};
    else if constexpr (is_constant_v<E> || !is_call<E>::value)
        return rational<0>{};
    else
        return [] <class Fn, class... A>(call<Fn, A...> e) {
            return detail_derivative::derive_call(e, var<Tag>{}, std::index_sequence_for<A...>{});
        }(E{});
}

template <class E, class V>
using derivative_t = decltype(derivative(E{}, V{}));

/// Expr with every occurrence of the term From replaced by To: an activation's derivative with
/// its own formula f(z) replaced by its output a, so that it reads a where it can.
template <class Expr, class From, class To>
struct substitute {
    using type = std::conditional_t<std::is_same_v<Expr, From>, To, Expr>;
};
template <class Fn, class... A, class From, class To>
struct substitute<call<Fn, A...>, From, To> {
    using type = std::conditional_t<std::is_same_v<call<Fn, A...>, From>, To,
                                    call<Fn, typename substitute<A, From, To>::type...>>;
};
template <class Expr, class From, class To>
using substitute_t = typename substitute<Expr, From, To>::type;

}  // namespace ctnn::expr
