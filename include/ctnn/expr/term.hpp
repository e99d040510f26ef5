// The terms of ctnn's expression language: every term is an empty type, so an expression is a
// type, and whatever is derived from it (its derivative, its printed form, which values its
// backward pass reads) is computed by the compiler.
//   var<Tag>            a variable: z (a layer's pre-activation), ŷ and y (a loss's operands)
//   rational<N, D>      an exact constant N/D (literals: 2_c, 0.25_c)
//   constant<Tag>       a named irrational constant (Tag::value, printed as Tag::symbol)
//   setting<"δ", &L::m> a run-time setting read from the policy object (huber's delta)
//   call<Fn, Args...>   a primitive function applied to terms (rules.hpp lists every one)
#pragma once

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string_view>
#include <type_traits>

namespace ctnn::expr {

/// Every term derives from term_base; the concept `term` is what the operators accept.
struct term_base {};

template <class T>
concept term = std::is_base_of_v<term_base, T> && std::is_empty_v<T>;

/// A string usable as a template argument (a setting's printed symbol).
template <std::size_t N>
struct fixed_string {
    char text[N]{};
    constexpr fixed_string(const char (&s)[N]) {
        for (std::size_t i = 0; i < N; ++i) text[i] = s[i];
    }
    constexpr std::string_view view() const { return {text, N - 1}; }
};

template <class Tag>
struct var : term_base {
    using tag_type = Tag;
    static constexpr std::string_view symbol = Tag::symbol;
};

template <std::intmax_t N, std::intmax_t D = 1>
struct rational : term_base {
    static_assert(D > 0 && std::gcd(N, D) == 1, "ctnn: expr::rational<N, D> is kept reduced, D > 0");
    static constexpr std::intmax_t num = N;
    static constexpr std::intmax_t den = D;
    static constexpr double value = double(N) / double(D);
};

template <class Tag>
struct constant : term_base {
    static constexpr double value = Tag::value;
    static constexpr std::string_view symbol = Tag::symbol;
};

/// A policy's run-time setting, read from the policy object each time the expression is
/// evaluated: `setting<"δ", &huber::delta>{}`.
template <fixed_string Symbol, auto Member>
struct setting : term_base {
    static constexpr std::string_view symbol = Symbol.view();
    static constexpr auto member = Member;
};

template <class Fn, class... Args>
struct call : term_base {};

// --- what a term is made of ------------------------------------------------------------------
template <class E>
struct is_rational : std::false_type {};
template <std::intmax_t N, std::intmax_t D>
struct is_rational<rational<N, D>> : std::true_type {};
template <class E>
inline constexpr bool is_rational_v = is_rational<E>::value;

template <class E, std::intmax_t N, std::intmax_t D = 1>
inline constexpr bool is_rational_equal_v = std::is_same_v<E, rational<N, D>>;
template <class E>
inline constexpr bool is_zero_v = is_rational_equal_v<E, 0>;
template <class E>
inline constexpr bool is_one_v = is_rational_equal_v<E, 1>;

template <class E>
struct is_call : std::false_type {};
template <class Fn, class... A>
struct is_call<call<Fn, A...>> : std::true_type {};

/// Whether the term E occurs in Expr (Expr itself included).
template <class E, class Expr>
struct contains : std::is_same<E, Expr> {};
template <class E, class Fn, class... A>
struct contains<E, call<Fn, A...>>
    : std::bool_constant<std::is_same_v<E, call<Fn, A...>> || (contains<E, A>::value || ...)> {};
template <class E, class Expr>
inline constexpr bool contains_v = contains<E, Expr>::value;

/// Whether primitive Fn reduces a row of a loss's operands to one value (row.hpp: Σ,
/// log-sum-exp, the labelled class's element): its value depends on the row, never constant.
template <class Fn>
inline constexpr bool reduces_row_v = requires { requires Fn::reduces_row; };

/// Whether E holds a row reduction (E itself included).
template <class E>
struct has_reduction : std::false_type {};
template <class Fn, class... A>
struct has_reduction<call<Fn, A...>> : std::bool_constant<reduces_row_v<Fn> || (has_reduction<A>::value || ...)> {};

/// Whether Expr reads any variable: a term without one is a constant, evaluated once as a
/// scalar (in double) rather than per element.
template <class Expr>
struct has_variable : std::false_type {};
template <class Tag>
struct has_variable<var<Tag>> : std::true_type {};
template <class Fn, class... A>
struct has_variable<call<Fn, A...>> : std::bool_constant<reduces_row_v<Fn> || (has_variable<A>::value || ...)> {};
template <class Expr>
inline constexpr bool is_constant_v = !has_variable<Expr>::value;

/// Whether Expr reads a policy's run-time setting (a setting<...>): a loss can, its object
/// is at hand when it is evaluated; an activation cannot.
template <class Expr>
struct reads_setting : std::false_type {};
template <fixed_string Symbol, auto Member>
struct reads_setting<setting<Symbol, Member>> : std::true_type {};
template <class Fn, class... A>
struct reads_setting<call<Fn, A...>> : std::bool_constant<(reads_setting<A>::value || ...)> {};
template <class Expr>
inline constexpr bool reads_setting_v = reads_setting<Expr>::value;

/// Whether Expr reads the variable V (a loss's formula must read ŷ to have a gradient).
template <class Expr, class V>
struct reads_variable : std::is_same<Expr, V> {};
template <class Fn, class... A, class V>
struct reads_variable<call<Fn, A...>, V> : std::bool_constant<(reads_variable<A, V>::value || ...)> {};
template <class Expr, class V>
inline constexpr bool reads_variable_v = reads_variable<Expr, V>::value;

/// Calls f(var<Tag>{}) for the first variable of Expr that is not one of Allowed (the check
/// behind "this formula reads a variable it has no value for").
template <class Expr, class... Allowed>
struct first_foreign_variable {
    using type = void;
};
template <class Tag, class... Allowed>
struct first_foreign_variable<var<Tag>, Allowed...> {
    using type = std::conditional_t<(std::is_same_v<var<Tag>, Allowed> || ...), void, var<Tag>>;
};
template <class Fn, class A0, class... A, class... Allowed>
struct first_foreign_variable<call<Fn, A0, A...>, Allowed...> {
    using head = typename first_foreign_variable<A0, Allowed...>::type;
    using type = std::conditional_t<!std::is_void_v<head>, head,
                                    typename first_foreign_variable<call<Fn, A...>, Allowed...>::type>;
};
template <class Expr, class... Allowed>
using first_foreign_variable_t = typename first_foreign_variable<Expr, Allowed...>::type;

// --- the variables ctnn binds ----------------------------------------------------------------
struct preactivation_tag {
    static constexpr std::string_view symbol = "z";
};
struct output_tag {
    static constexpr std::string_view symbol = "a";
};
struct prediction_tag {
    static constexpr std::string_view symbol = "ŷ";
};
struct target_tag {
    static constexpr std::string_view symbol = "y";
};

/// What a row formula's reductions are bound to while it is evaluated (row.hpp).
struct row_values_tag {
    static constexpr std::string_view symbol = "row";
};

/// An activation's input, z = W·x + b.
inline constexpr var<preactivation_tag> z{};
/// An activation's output a = f(z): what its derivative is rewritten in, where it can be, so
/// that a layer need not keep z.
inline constexpr var<output_tag> a{};
/// A loss's prediction ŷ and target y, one element of each.
inline constexpr var<prediction_tag> prediction{};
inline constexpr var<target_tag> target{};

}  // namespace ctnn::expr
