// Evaluating an expression: on xtensor expressions (lazy, element-wise, one fused SIMD pass when
// assigned), and on single doubles (losses, constants). The evaluator is apart from the terms,
// as Eigen keeps CwiseBinaryOp apart from its evaluator: a primitive's kernel maps it onto
// xtensor's functions, or onto ctnn's own where one is faster (the rational float tanh).
//
// Variables are bound by an environment; a subterm without variables is computed once, in
// double, and enters the element-wise expression as a scalar.
#pragma once

#include <type_traits>
#include <utility>

#include "ctnn/detail/rational_tanh.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/expr/rules.hpp"
#include "ctnn/expr/term.hpp"

namespace ctnn::expr {

/// What a variable stands for while an expression is evaluated: an xtensor expression, or a
/// double.
template <class Tag, class X>
struct binding {
    const X* value;
};
template <class Tag, class X>
const X& lookup(const binding<Tag, X>& b) {
    return *b.value;
}

/// The variables' values, and the policy object whose settings the expression reads (void: none).
template <class Self, class... Bindings>
struct environment : Bindings... {
    const Self* self = nullptr;
};
/// `make_environment(self, bind(z, zs), bind(a, as))`.
template <class Tag, class X>
binding<Tag, X> bind(var<Tag>, const X& value) {
    return {&value};
}
template <class Self, class... Bindings>
environment<Self, Bindings...> make_environment(const Self* self, Bindings... bindings) {
    return {bindings..., self};
}

namespace detail_evaluate {
/// The value of a constant term, in double.
template <class E, class Self>
double scalar_constant(const Self* self) {
    if constexpr (is_rational_v<E>) {
        return E::value;
    } else if constexpr (is_call<E>::value) {
        return []<class Fn, class... A>(call<Fn, A...>, const Self* s) {
            return Fn::scalar(scalar_constant<A>(s)...);
        }(E{}, self);
    } else if constexpr (requires { E::member; }) {
        static_assert(!std::is_void_v<Self>, "ctnn: a setting<> is read from its policy, and this expression has none");
        return double(self->*E::member);
    } else {
        return E::value;  // a named constant
    }
}

/// x again, for a kernel that reads its operand twice: a variable by reference, a subexpression
/// by copy (xtensor holds an rvalue operand by value). Taken into a local before x is moved
/// anywhere (CTNN_KEEP), since the order in which operands are evaluated is unspecified.
template <class X>
std::conditional_t<std::is_lvalue_reference_v<X>, X, std::remove_cvref_t<X>> again(const std::remove_reference_t<X>& x) {
    return x;
}
#define CTNN_FWD(x) std::forward<decltype(x)>(x)
#define CTNN_AGAIN(x) again<decltype(x)>(x)
#define CTNN_KEEP(name, x) decltype(auto) name = again<decltype(x)>(x)
#define CTNN_USE(name) static_cast<decltype(name)&&>(name)

template <class Fn>
struct is_pow_fn : std::false_type {};
template <int N>
struct is_pow_fn<pow_fn<N>> : std::true_type {};

template <class Fn>
struct kernel;

template <>
struct kernel<add_fn> {
    template <class T, class X, class Y>
    static auto apply(X&& x, Y&& y) { return CTNN_FWD(x) + CTNN_FWD(y); }
};
template <>
struct kernel<sub_fn> {
    template <class T, class X, class Y>
    static auto apply(X&& x, Y&& y) { return CTNN_FWD(x) - CTNN_FWD(y); }
};
template <>
struct kernel<mul_fn> {
    template <class T, class X, class Y>
    static auto apply(X&& x, Y&& y) { return CTNN_FWD(x) * CTNN_FWD(y); }
};
template <>
struct kernel<div_fn> {
    template <class T, class X, class Y>
    static auto apply(X&& x, Y&& y) { return CTNN_FWD(x) / CTNN_FWD(y); }
};
template <>
struct kernel<neg_fn> {
    template <class T, class X>
    static auto apply(X&& x) { return -CTNN_FWD(x); }
};
template <int N>
struct kernel<pow_fn<N>> {
    // by squaring, so x⁴ is two multiplications and never a call to pow
    template <class T, class X>
    static decltype(auto) apply(X&& x) {
        static_assert(N != 0, "ctnn: x⁰ is simplified to 1 before evaluation");
        if constexpr (N < 0) return T(1) / kernel<pow_fn<-N>>::template apply<T>(CTNN_FWD(x));
        else if constexpr (N == 1) return CTNN_AGAIN(x);  // a variable by reference, else a copy
        else if constexpr (N == 2) return xt::square(CTNN_FWD(x));
        else if constexpr (N == 3) return xt::cube(CTNN_FWD(x));
        else if constexpr (N % 2 == 0) return xt::square(kernel<pow_fn<N / 2>>::template apply<T>(CTNN_FWD(x)));
        else {
            CTNN_KEEP(first, x);
            return CTNN_USE(first) * kernel<pow_fn<N - 1>>::template apply<T>(CTNN_FWD(x));
        }
    }
};
#define CTNN_EXPR_KERNEL(fn, ...)                                   \
    template <>                                                     \
    struct kernel<fn> {                                             \
        template <class T, class X>                                 \
        static auto apply(X&& x) { return __VA_ARGS__; }            \
    };
CTNN_EXPR_KERNEL(exp_fn, xt::exp(CTNN_FWD(x)))
CTNN_EXPR_KERNEL(expm1_fn, xt::expm1(CTNN_FWD(x)))
CTNN_EXPR_KERNEL(log_fn, xt::log(CTNN_FWD(x)))
CTNN_EXPR_KERNEL(log1p_fn, xt::log1p(CTNN_FWD(x)))
CTNN_EXPR_KERNEL(sqrt_fn, xt::sqrt(CTNN_FWD(x)))
CTNN_EXPR_KERNEL(abs_fn, xt::abs(CTNN_FWD(x)))
CTNN_EXPR_KERNEL(erf_fn, xt::erf(CTNN_FWD(x)))
CTNN_EXPR_KERNEL(erfc_fn, xt::erfc(CTNN_FWD(x)))
// float: the rational form, within a few ulps and several times faster than xsimd's
CTNN_EXPR_KERNEL(tanh_fn, ctnn::detail::tanh(CTNN_FWD(x)))
// e⁻ˣ = inf gives 1/inf = 0, never NaN
CTNN_EXPR_KERNEL(sigmoid_fn, T(1) / (T(1) + xt::exp(-CTNN_FWD(x))))
#undef CTNN_EXPR_KERNEL
template <>
struct kernel<softplus_fn> {
    template <class T, class X>
    static auto apply(X&& x) {
        CTNN_KEEP(first, x);
        return xt::fmax(CTNN_USE(first), T(0)) + xt::log1p(xt::exp(-xt::abs(CTNN_FWD(x))));
    }
};
template <>
struct kernel<softsign_fn> {
    template <class T, class X>
    static auto apply(X&& x) {
        CTNN_KEEP(first, x);
        return CTNN_USE(first) / (T(1) + xt::abs(CTNN_FWD(x)));
    }
};
// where() rather than sign(): it vectorises, and keeps 0 as torch.sign does (and NaN, which
// torch.sign turns into 0)
template <>
struct kernel<sign_fn> {
    template <class T, class X>
    static auto apply(X&& x) {
        CTNN_KEEP(first, x);
        CTNN_KEEP(second, x);
        return xt::where(CTNN_USE(first) > T(0), T(1), xt::where(CTNN_USE(second) < T(0), T(-1), CTNN_FWD(x)));
    }
};

// where() rather than maximum/minimum: xtensor 0.24's have no SIMD path; x < y is false for a
// NaN x, which is then kept, as PyTorch's relu keeps it.
template <>
struct kernel<max_fn> {
    template <class T, class X, class Y>
    static auto apply(X&& x, Y&& y) {
        CTNN_KEEP(x1, x);
        CTNN_KEEP(y1, y);
        return xt::where(CTNN_USE(x1) < CTNN_USE(y1), CTNN_FWD(y), CTNN_FWD(x));
    }
};
template <>
struct kernel<min_fn> {
    template <class T, class X, class Y>
    static auto apply(X&& x, Y&& y) {
        CTNN_KEEP(x1, x);
        CTNN_KEEP(y1, y);
        return xt::where(CTNN_USE(y1) < CTNN_USE(x1), CTNN_FWD(y), CTNN_FWD(x));
    }
};
template <>
struct kernel<clamp_fn> {
    // the bounds are constants: T values, passed on as prvalues (xtensor holds a named scalar
    // by reference)
    template <class T, class X>
    static auto apply(X&& x, T lo, T hi) {
        CTNN_KEEP(first, x);
        CTNN_KEEP(second, x);
        return xt::where(CTNN_USE(first) < T(lo), T(lo), xt::where(CTNN_USE(second) > T(hi), T(hi), CTNN_FWD(x)));
    }
};
// A comparison tests (for select) or gives 0 and 1 (as a value).
template <class Compare, fixed_string Symbol>
struct kernel<comparison_fn<Compare, Symbol>> {
    template <class X, class Y>
    static auto test(X&& x, Y&& y) { return Compare{}(CTNN_FWD(x), CTNN_FWD(y)); }
    template <class T, class X, class Y>
    static auto apply(X&& x, Y&& y) { return xt::where(Compare{}(CTNN_FWD(x), CTNN_FWD(y)), T(1), T(0)); }
};
}  // namespace detail_evaluate

/// E on xtensor expressions of scalar T: a lazy xtensor expression holding references to the
/// bound variables (keep them alive while it is used), or a T for a constant E.
template <class T, term E, class Env>
decltype(auto) evaluate(E, const Env& env);

namespace detail_evaluate {
template <class T, class C, class Env>
auto test(const Env& env) {
    if constexpr (is_call<C>::value) {
        return []<class Fn, class... A>(call<Fn, A...>, const Env& e) {
            if constexpr (is_comparison_v<Fn>)
                return kernel<Fn>::test(expr::evaluate<T>(A{}, e)...);
            else
                return xt::not_equal(expr::evaluate<T>(call<Fn, A...>{}, e), T(0));
        }(C{}, env);
    } else {
        return xt::not_equal(expr::evaluate<T>(C{}, env), T(0));
    }
}
}  // namespace detail_evaluate

namespace detail_evaluate {
/// 1 − σ(x), which the rule for σ' produces, is σ(−x): computed so, it does not cancel where
/// σ(x) nears 1 (in float, past x ≈ 5 half the digits of 1 − σ(x) would be lost).
template <class E>
struct complement_of_sigmoid : std::false_type {};
template <class X>
struct complement_of_sigmoid<call<sub_fn, rational<1>, call<sigmoid_fn, X>>> : std::true_type {
    using type = call<sigmoid_fn, decltype(-X{})>;
};
}  // namespace detail_evaluate

template <class T, term E, class Env>
decltype(auto) evaluate(E, const Env& env) {
    static_assert(!has_reduction<E>::value,
                  "ctnn: a row reduction (Σ, logsumexp, x[y]) is evaluated per row, in a loss's row_formula");
    if constexpr (detail_evaluate::complement_of_sigmoid<E>::value && !is_constant_v<E>) {
        return expr::evaluate<T>(typename detail_evaluate::complement_of_sigmoid<E>::type{}, env);
    } else if constexpr (is_constant_v<E>) {
        return T(detail_evaluate::scalar_constant<E>(env.self));
    } else if constexpr (!is_call<E>::value) {
        return []<class Tag>(var<Tag>, const Env& e) -> decltype(auto) { return lookup<Tag>(e); }(E{}, env);
    } else {
        return []<class Fn, class... A>(call<Fn, A...>, const Env& e) {
            if constexpr (std::is_same_v<Fn, select_fn>) {
                return [&]<class C, class X, class Y>(call<select_fn, C, X, Y>) {
                    return xt::where(detail_evaluate::test<T, C>(e), expr::evaluate<T>(X{}, e), expr::evaluate<T>(Y{}, e));
                }(call<Fn, A...>{});
            } else if constexpr (std::is_same_v<Fn, div_fn>) {
                // x / c as x·(1/c), the reciprocal formed once in double: a product vectorises
                // at a fraction of a division's cost
                return [&]<class X, class Y>(call<div_fn, X, Y>) {
                    if constexpr (is_constant_v<Y>)
                        return expr::evaluate<T>(X{}, e) * T(1.0 / detail_evaluate::scalar_constant<Y>(e.self));
                    else
                        return expr::evaluate<T>(X{}, e) / expr::evaluate<T>(Y{}, e);
                }(call<Fn, A...>{});
            } else {
                return detail_evaluate::kernel<Fn>::template apply<T>(expr::evaluate<T>(A{}, e)...);
            }
        }(E{}, env);
    }
}

namespace detail_evaluate {
/// A row reduction's value, bound for the row being evaluated. Its own template: named in a
/// branch that a formula without reductions discards (clang looks into such a branch of a
/// generic lambda when the call does not depend on the lambda's own parameters).
template <class R, class Env>
double row_value(const Env& env) {
    return lookup<row_values_tag>(env).template get<R>();
}
}  // namespace detail_evaluate

/// E on doubles: every variable bound to a double. A select computes only the branch it takes.
template <term E, class Env>
double evaluate_scalar(E, const Env& env) {
    if constexpr (detail_evaluate::complement_of_sigmoid<E>::value && !is_constant_v<E>) {
        return evaluate_scalar(typename detail_evaluate::complement_of_sigmoid<E>::type{}, env);
    } else if constexpr (is_constant_v<E>) {
        return detail_evaluate::scalar_constant<E>(env.self);
    } else if constexpr (!is_call<E>::value) {
        return []<class Tag>(var<Tag>, const Env& e) { return double(lookup<Tag>(e)); }(E{}, env);
    } else {
        return []<class Fn, class... A>(call<Fn, A...>, const Env& e) {
            if constexpr (std::is_same_v<Fn, select_fn>) {
                return [&]<class C, class X, class Y>(call<select_fn, C, X, Y>) {
                    return evaluate_scalar(C{}, e) != 0.0 ? evaluate_scalar(X{}, e) : evaluate_scalar(Y{}, e);
                }(call<Fn, A...>{});
            } else if constexpr (reduces_row_v<Fn>) {
                // reduced once per row, before (loss/row_loss.hpp): read, not recomputed
                return detail_evaluate::row_value<call<Fn, A...>>(e);
            } else {
                return Fn::scalar(evaluate_scalar(A{}, e)...);
            }
        }(E{}, env);
    }
}

/// Whether E is made of +, −, ·, /, integer powers, constants and variables only (mse's formula
/// and its derivative are): such an E is evaluated on SIMD lanes of doubles by evaluate_lanes.
template <class E>
struct is_arithmetic : std::bool_constant<is_constant_v<E>> {};
template <class Tag>
struct is_arithmetic<var<Tag>> : std::true_type {};
template <class Fn, class... A>
struct is_arithmetic<call<Fn, A...>>
    : std::bool_constant<is_constant_v<call<Fn, A...>>
                         || ((std::is_same_v<Fn, add_fn> || std::is_same_v<Fn, sub_fn> || std::is_same_v<Fn, mul_fn>
                              || std::is_same_v<Fn, div_fn> || std::is_same_v<Fn, neg_fn>
                              || detail_evaluate::is_pow_fn<Fn>::value)
                             && (is_arithmetic<A>::value && ...))> {};
template <class E>
inline constexpr bool is_arithmetic_v = is_arithmetic<E>::value;

/// An arithmetic E with every variable bound to a B (a double, or an xsimd batch of doubles):
/// the operations evaluate_scalar does, in the same order, on every lane at once.
template <class B, term E, class Env>
B evaluate_lanes(E, const Env& env) {
    static_assert(is_arithmetic_v<E>, "ctnn: evaluate_lanes takes +, −, ·, /, integer powers, constants, variables");
    if constexpr (is_constant_v<E>) {
        return B(detail_evaluate::scalar_constant<E>(env.self));
    } else if constexpr (!is_call<E>::value) {
        return []<class Tag>(var<Tag>, const Env& e) { return B(lookup<Tag>(e)); }(E{}, env);
    } else {
        return []<class Fn, class... A>(call<Fn, A...>, const Env& e) -> B {
            if constexpr (sizeof...(A) == 2) {
                return [&]<class X, class Y>(call<Fn, X, Y>) -> B {
                    const B x = evaluate_lanes<B>(X{}, e), y = evaluate_lanes<B>(Y{}, e);
                    if constexpr (std::is_same_v<Fn, add_fn>) return x + y;
                    else if constexpr (std::is_same_v<Fn, sub_fn>) return x - y;
                    else if constexpr (std::is_same_v<Fn, mul_fn>) return x * y;
                    else return x / y;
                }(call<Fn, A...>{});
            } else {
                const B x = evaluate_lanes<B>(A{}..., e);
                if constexpr (std::is_same_v<Fn, neg_fn>) {
                    return -x;
                } else {  // x^N as pow_fn::scalar forms it: N multiplications from 1, then 1/r for N < 0
                    B r(1.0);
                    for (int i = 0; i < (Fn::exponent < 0 ? -Fn::exponent : Fn::exponent); ++i) r = r * x;
                    if constexpr (Fn::exponent < 0) return B(1.0) / r;
                    else return r;
                }
            }
        }(E{}, env);
    }
}

#undef CTNN_FWD
#undef CTNN_AGAIN
#undef CTNN_KEEP
#undef CTNN_USE

}  // namespace ctnn::expr
