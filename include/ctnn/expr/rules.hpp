// Every primitive of the expression language in one table, each with its derivative rule
// written in the language itself (JAX's defjvp, PyTorch's derivatives.yaml): `partial<I, X...>`
// is ∂f/∂xᵢ. A rule may name the primitive's own value (tanh' = 1 − tanh²), which is how a
// derivative comes to read a layer's output instead of its input. Composite functions (swish,
// gelu, a focal loss) get their derivatives from these by the chain rule (derivative.hpp).
//
// Each primitive also says how it prints and how it is evaluated on one double (`scalar`);
// evaluation on xtensor expressions is separate (evaluate.hpp), as Eigen keeps an expression
// node apart from its evaluator. The builders below simplify as they build (0·x = 0, 1·x = x,
// exact rational arithmetic), so derived expressions stay small and read as one would write them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string_view>
#include <type_traits>
#include <utility>

#include "ctnn/expr/term.hpp"

namespace ctnn::expr {

/// How a primitive prints: f(x), x + y, −x, x², |x|, √x, [x > y], (c ? x : y), x[y].
enum class notation { function, infix, prefix, power, magnitude, root, bracket, choice, label_index };

/// Binding strength when printed: a sum inside a product gets parentheses.
namespace precedence {
inline constexpr int sum = 1, product = 2, unary = 3, power = 4, atom = 5;
}

// --- rational arithmetic, exact, at compile time --------------------------------------------
template <std::intmax_t N, std::intmax_t D>
constexpr auto make_rational() {
    static_assert(D != 0, "ctnn: an expression divides a constant by zero");
    constexpr std::intmax_t sign = D < 0 ? -1 : 1;
    constexpr std::intmax_t g = std::gcd(N, D) == 0 ? 1 : std::gcd(N, D);
    return rational<sign * N / g, sign * D / g>{};
}

// Constant arithmetic cancels common factors before it multiplies, and checks that what it
// multiplies fits in 64 bits: an overflow would otherwise be the compiler's bare "overflow in
// constant expression" deep inside a derivative.
namespace detail_rational {
struct exact {
    std::intmax_t num = 0, den = 1;
    bool fits = true;
};
constexpr std::intmax_t common_factor(std::intmax_t a, std::intmax_t b) {
    const std::intmax_t g = std::gcd(a, b);
    return g == 0 ? 1 : g;
}
constexpr exact product(std::intmax_t n1, std::intmax_t d1, std::intmax_t n2, std::intmax_t d2) {
    const std::intmax_t g1 = common_factor(n1, d2), g2 = common_factor(n2, d1);
    exact r;
    r.fits = !__builtin_mul_overflow(n1 / g1, n2 / g2, &r.num) && !__builtin_mul_overflow(d1 / g2, d2 / g1, &r.den);
    return r;
}
/// n1/d1 + n2/d2 over the least common denominator.
constexpr exact sum(std::intmax_t n1, std::intmax_t d1, std::intmax_t n2, std::intmax_t d2) {
    const std::intmax_t g = common_factor(d1, d2);
    std::intmax_t a = 0, b = 0;
    exact r;
    r.fits = !__builtin_mul_overflow(n1, d2 / g, &a) && !__builtin_mul_overflow(n2, d1 / g, &b)
             && !__builtin_add_overflow(a, b, &r.num) && !__builtin_mul_overflow(d1 / g, d2, &r.den);
    return r;
}
constexpr exact power(std::intmax_t n, std::intmax_t d, int exponent) {
    exact r{1, 1, true};
    for (int i = 0; i < exponent; ++i) r = r.fits ? product(r.num, r.den, n, d) : r;
    return r;
}
}  // namespace detail_rational

/// N/D as a term when it fits; when it does not, a compile error that says so.
template <std::intmax_t N, std::intmax_t D, bool Fits>
constexpr auto make_exact_rational() {
    static_assert(Fits, "ctnn: an exact constant of this expression (or of its derivative) does not fit in 64-bit "
                        "integers: write the constant with fewer decimal digits, or as one literal");
    if constexpr (Fits) return make_rational<N, D>();
    else return rational<0>{};  // no follow-on errors
}

// The builders, declared here so the rules below can use them; defined after the primitives.
template <term X, term Y>
constexpr auto operator+(X, Y);
template <term X, term Y>
constexpr auto operator-(X, Y);
template <term X, term Y>
constexpr auto operator*(X, Y);
template <term X, term Y>
constexpr auto operator/(X, Y);
template <term X>
constexpr auto operator-(X);

template <int N, term X>
constexpr auto power(X);

// --- the primitives -------------------------------------------------------------------------
struct add_fn {
    static constexpr notation form = notation::infix;
    static constexpr std::string_view symbol = " + ";
    static constexpr int binding = precedence::sum;
    static double scalar(double x, double y) { return x + y; }
    template <std::size_t I, class X, class Y>
    static constexpr auto partial() { return rational<1>{}; }
};
struct sub_fn {
    static constexpr notation form = notation::infix;
    static constexpr std::string_view symbol = " − ";
    static constexpr int binding = precedence::sum;
    static double scalar(double x, double y) { return x - y; }
    template <std::size_t I, class X, class Y>
    static constexpr auto partial() {
        if constexpr (I == 0) return rational<1>{};
        else return rational<-1>{};
    }
};
struct mul_fn {
    static constexpr notation form = notation::infix;
    static constexpr std::string_view symbol = "·";
    static constexpr int binding = precedence::product;
    static double scalar(double x, double y) { return x * y; }
    template <std::size_t I, class X, class Y>
    static constexpr auto partial() {
        if constexpr (I == 0) return Y{};
        else return X{};
    }
};
struct div_fn {
    static constexpr notation form = notation::infix;
    static constexpr std::string_view symbol = "/";
    static constexpr int binding = precedence::product;
    static double scalar(double x, double y) { return x / y; }
    template <std::size_t I, class X, class Y>
    static constexpr auto partial() {
        if constexpr (I == 0) return rational<1>{} / Y{};
        else return -(call<div_fn, X, Y>{} / Y{});  // −(x/y)/y: reuses x/y
    }
};
struct neg_fn {
    static constexpr notation form = notation::prefix;
    static constexpr std::string_view symbol = "−";
    static double scalar(double x) { return -x; }
    template <std::size_t I, class X>
    static constexpr auto partial() { return rational<-1>{}; }
};
/// x^N for an integer N (negative too).
template <int N>
struct pow_fn {
    static constexpr notation form = notation::power;
    static constexpr int exponent = N;
    static double scalar(double x) {
        double r = 1.0;
        for (int i = 0; i < (N < 0 ? -N : N); ++i) r *= x;
        return N < 0 ? 1.0 / r : r;
    }
    template <std::size_t I, class X>
    static constexpr auto partial();
};
struct exp_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "exp";
    static double scalar(double x) { return std::exp(x); }
    template <std::size_t I, class X>
    static constexpr auto partial() { return call<exp_fn, X>{}; }
};
/// eˣ − 1, accurate near 0.
struct expm1_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "expm1";
    static double scalar(double x) { return std::expm1(x); }
    template <std::size_t I, class X>
    static constexpr auto partial() { return call<exp_fn, X>{}; }
};
struct log_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "log";
    static double scalar(double x) { return std::log(x); }
    template <std::size_t I, class X>
    static constexpr auto partial() { return rational<1>{} / X{}; }
};
/// log(1 + x), accurate near 0.
struct log1p_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "log1p";
    static double scalar(double x) { return std::log1p(x); }
    template <std::size_t I, class X>
    static constexpr auto partial() { return rational<1>{} / (rational<1>{} + X{}); }
};
struct sqrt_fn {
    static constexpr notation form = notation::root;
    static double scalar(double x) { return std::sqrt(x); }
    template <std::size_t I, class X>
    static constexpr auto partial() { return rational<1>{} / (rational<2>{} * call<sqrt_fn, X>{}); }
};
/// sign(x): −1, 0 or 1 (torch.sign), NaN kept (torch.sign gives 0); abs's derivative, flat.
struct sign_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "sign";
    static double scalar(double x) { return x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : x; }
    template <std::size_t I, class X>
    static constexpr auto partial() { return rational<0>{}; }
};
struct abs_fn {
    static constexpr notation form = notation::magnitude;
    static double scalar(double x) { return std::abs(x); }
    template <std::size_t I, class X>
    static constexpr auto partial() { return call<sign_fn, X>{}; }
};
struct tanh_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "tanh";
    static constexpr double bound = 1.0;  // |tanh x| ≤ 1 for every x
    static double scalar(double x) { return std::tanh(x); }
    template <std::size_t I, class X>
    static constexpr auto partial();
};
/// σ(x) = 1/(1 + e⁻ˣ): 0, not NaN, where e⁻ˣ overflows.
struct sigmoid_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "σ";
    static constexpr double bound = 1.0;
    static double scalar(double x) { return 1.0 / (1.0 + std::exp(-x)); }
    template <std::size_t I, class X>
    static constexpr auto partial() {
        return call<sigmoid_fn, X>{} * (rational<1>{} - call<sigmoid_fn, X>{});
    }
};
/// softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), which never overflows.
struct softplus_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "softplus";
    static double scalar(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }
    template <std::size_t I, class X>
    static constexpr auto partial() { return call<sigmoid_fn, X>{}; }
};
/// softsign(x) = x/(1 + |x|). A primitive, not x/(1 + |x|) derived: the quotient rule's
/// 1/(1 + |x|) − |x|/(1 + |x|)² cancels for large |x|, its own rule does not.
struct softsign_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "softsign";
    static constexpr double bound = 1.0;
    static double scalar(double x) { return x / (1.0 + std::abs(x)); }
    template <std::size_t I, class X>
    static constexpr auto partial();
};
struct two_over_sqrt_pi {
    static constexpr double value = 1.12837916709551257390;  // 2/√π
    static constexpr std::string_view symbol = "2/√π";
};
struct erf_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "erf";
    static double scalar(double x) { return std::erf(x); }
    template <std::size_t I, class X>
    static constexpr auto partial();
};
/// erfc(x) = 1 − erf(x), without the cancellation in the tail.
struct erfc_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "erfc";
    static double scalar(double x) { return std::erfc(x); }
    template <std::size_t I, class X>
    static constexpr auto partial();
};

// Comparisons are Iverson brackets, [x > y] ∈ {0, 1}: flat, so their derivative is 0. A NaN
// compares false. `Compare` is the operator, applied to doubles and to xtensor expressions alike.
template <class Compare, fixed_string Symbol>
struct comparison_fn {
    static constexpr notation form = notation::bracket;
    static constexpr std::string_view symbol = Symbol.view();
    template <class X, class Y>
    static constexpr decltype(auto) compare(X&& x, Y&& y) {
        return Compare{}(std::forward<X>(x), std::forward<Y>(y));
    }
    static constexpr double scalar(double x, double y) { return compare(x, y) ? 1.0 : 0.0; }
    template <std::size_t I, class X, class Y>
    static constexpr auto partial() { return rational<0>{}; }
};
namespace detail_compare {
struct greater {
    template <class X, class Y>
    constexpr auto operator()(X&& x, Y&& y) const { return std::forward<X>(x) > std::forward<Y>(y); }
};
struct less {
    template <class X, class Y>
    constexpr auto operator()(X&& x, Y&& y) const { return std::forward<X>(x) < std::forward<Y>(y); }
};
struct greater_equal {
    template <class X, class Y>
    constexpr auto operator()(X&& x, Y&& y) const { return std::forward<X>(x) >= std::forward<Y>(y); }
};
struct less_equal {
    template <class X, class Y>
    constexpr auto operator()(X&& x, Y&& y) const { return std::forward<X>(x) <= std::forward<Y>(y); }
};
}  // namespace detail_compare
using greater_fn = comparison_fn<detail_compare::greater, " > ">;
using less_fn = comparison_fn<detail_compare::less, " < ">;
using greater_equal_fn = comparison_fn<detail_compare::greater_equal, " ≥ ">;
using less_equal_fn = comparison_fn<detail_compare::less_equal, " ≤ ">;

template <class Fn>
inline constexpr bool is_comparison_v = false;
template <class Compare, fixed_string Symbol>
inline constexpr bool is_comparison_v<comparison_fn<Compare, Symbol>> = true;

/// max(x, y), NaN in x kept (x < y ? y : x). ∂/∂x = [max(x, y) > y], ∂/∂y = [max(x, y) ≤ y]:
/// at a tie the whole derivative goes to y, so relu = max(z, 0) has slope 0 at 0 (PyTorch's
/// choice), and its derivative [max(z, 0) > 0] reads the layer's output, not z.
struct max_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "max";
    static double scalar(double x, double y) { return x < y ? y : x; }
    template <std::size_t I, class X, class Y>
    static constexpr auto partial() {
        if constexpr (I == 0) return call<greater_fn, call<max_fn, X, Y>, Y>{};
        else return call<less_equal_fn, call<max_fn, X, Y>, Y>{};
    }
};
/// min(x, y), NaN in x kept (y < x ? y : x). ∂/∂x = [min(x, y) < y], ∂/∂y = [min(x, y) ≥ y].
struct min_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "min";
    static double scalar(double x, double y) { return y < x ? y : x; }
    template <std::size_t I, class X, class Y>
    static constexpr auto partial() {
        if constexpr (I == 0) return call<less_fn, call<min_fn, X, Y>, Y>{};
        else return call<greater_equal_fn, call<min_fn, X, Y>, Y>{};
    }
};
/// clamp(x, lo, hi), NaN kept; slope 1 strictly inside (lo, hi), 0 at and beyond the bounds
/// (PyTorch's hardtanh backward), read off the clamped value.
struct clamp_fn {
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "clamp";
    static double scalar(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }
    template <std::size_t I, class X, class Lo, class Hi>
    static constexpr auto partial() {
        using c = call<clamp_fn, X, Lo, Hi>;
        if constexpr (I == 0) return call<greater_fn, c, Lo>{} * call<less_fn, c, Hi>{};
        else if constexpr (I == 1) return call<less_equal_fn, X, Lo>{};
        else return call<greater_equal_fn, X, Hi>{};
    }
};
/// select(c, x, y): x where c ≠ 0, else y. Its derivative is select(c, dx, dy)
/// (derivative.hpp), which no product of partials would give as plainly.
struct select_fn {
    static constexpr notation form = notation::choice;
};

template <int N>
template <std::size_t I, class X>
constexpr auto pow_fn<N>::partial() {
    return rational<N>{} * power<N - 1>(X{});
}
template <std::size_t I, class X>
constexpr auto tanh_fn::partial() {
    return rational<1>{} - call<pow_fn<2>, call<tanh_fn, X>>{};
}
template <std::size_t I, class X>
constexpr auto softsign_fn::partial() {
    return rational<1>{} / call<pow_fn<2>, decltype(rational<1>{} + call<abs_fn, X>{})>{};
}
template <std::size_t I, class X>
constexpr auto erf_fn::partial() {
    return constant<two_over_sqrt_pi>{} * call<exp_fn, decltype(-power<2>(X{}))>{};
}
template <std::size_t I, class X>
constexpr auto erfc_fn::partial() {
    return -(constant<two_over_sqrt_pi>{} * call<exp_fn, decltype(-power<2>(X{}))>{});
}

// --- building with simplification -----------------------------------------------------------
template <class E>
inline constexpr bool is_negative_rational_v = false;
template <std::intmax_t N, std::intmax_t D>
inline constexpr bool is_negative_rational_v<rational<N, D>> = N < 0;

template <class E>
struct negated : std::false_type {};
template <class X>
struct negated<call<neg_fn, X>> : std::true_type {
    using inner = X;
};
template <class E>
struct power_of : std::false_type {};
template <int N, class X>
struct power_of<call<pow_fn<N>, X>> : std::true_type {
    static constexpr int exponent = N;
    using base = X;
};
template <class E>
struct reciprocal : std::false_type {};
template <class X>
struct reciprocal<call<div_fn, rational<1>, X>> : std::true_type {
    using denominator = X;
};
template <class E>
struct product_with_rational : std::false_type {};
template <std::intmax_t N, std::intmax_t D, class X>
struct product_with_rational<call<mul_fn, rational<N, D>, X>> : std::true_type {
    using factor = rational<N, D>;
    using rest = X;
};
/// c/y as c·(1/y), so that its constant folds with others: 2·(0.5/√u) = 1/√u.
template <std::intmax_t N, std::intmax_t D, class X>
    requires(N != D)
struct product_with_rational<call<div_fn, rational<N, D>, X>> : std::true_type {
    using factor = rational<N, D>;
    using rest = call<div_fn, rational<1>, X>;
};

/// c·y with a constant c < 0.
template <class E>
struct negative_multiple : std::false_type {};
template <std::intmax_t N, std::intmax_t D, class X>
struct negative_multiple<call<mul_fn, rational<N, D>, X>> : std::bool_constant<(N < 0)> {};

template <term X>
constexpr auto negate(X) {
    if constexpr (is_rational_v<X>) {
        constexpr detail_rational::exact r = detail_rational::product(-1, 1, X::num, X::den);
        return make_exact_rational<r.num, r.den, r.fits>();
    } else if constexpr (negated<X>::value) return typename negated<X>::inner{};
    else return call<neg_fn, X>{};
}
template <term X, term Y>
constexpr auto add(X, Y) {
    if constexpr (is_zero_v<X>) return Y{};
    else if constexpr (is_zero_v<Y>) return X{};
    else if constexpr (is_rational_v<X> && is_rational_v<Y>) {
        constexpr detail_rational::exact r = detail_rational::sum(X::num, X::den, Y::num, Y::den);
        return make_exact_rational<r.num, r.den, r.fits>();
    } else if constexpr (negated<Y>::value) return subtract(X{}, typename negated<Y>::inner{});
    else if constexpr (is_negative_rational_v<Y>) return subtract(X{}, negate(Y{}));
    else if constexpr (negative_multiple<Y>::value)  // x + −2·y = x − 2·y, exactly
        return subtract(X{}, multiply(negate(typename product_with_rational<Y>::factor{}),
                                      typename product_with_rational<Y>::rest{}));
    else if constexpr (std::is_same_v<X, Y>) return multiply(rational<2>{}, X{});  // exactly x + x
    else return call<add_fn, X, Y>{};
}
template <term X, term Y>
constexpr auto subtract(X, Y) {
    if constexpr (is_zero_v<Y>) return X{};
    else if constexpr (is_zero_v<X>) return negate(Y{});
    else if constexpr (std::is_same_v<X, Y>) return rational<0>{};
    else if constexpr (is_rational_v<X> && is_rational_v<Y>) {
        constexpr detail_rational::exact r = detail_rational::sum(X::num, X::den, -Y::num, Y::den);
        return make_exact_rational<r.num, r.den, r.fits>();
    } else if constexpr (negated<Y>::value) return add(X{}, typename negated<Y>::inner{});
    else if constexpr (is_negative_rational_v<Y>) return add(X{}, negate(Y{}));
    else if constexpr (negative_multiple<Y>::value)  // x − −2·y = x + 2·y, exactly
        return add(X{}, multiply(negate(typename product_with_rational<Y>::factor{}),
                                 typename product_with_rational<Y>::rest{}));
    else return call<sub_fn, X, Y>{};
}
template <term X, term Y>
constexpr auto multiply(X, Y) {
    if constexpr (is_zero_v<X> || is_zero_v<Y>) return rational<0>{};
    else if constexpr (is_one_v<X>) return Y{};
    else if constexpr (is_one_v<Y>) return X{};
    else if constexpr (is_rational_v<X> && is_rational_v<Y>) {
        constexpr detail_rational::exact r = detail_rational::product(X::num, X::den, Y::num, Y::den);
        return make_exact_rational<r.num, r.den, r.fits>();
    } else if constexpr (is_rational_equal_v<X, -1>) return negate(Y{});
    else if constexpr (is_rational_equal_v<Y, -1>) return negate(X{});
    else if constexpr (negated<X>::value) return negate(multiply(typename negated<X>::inner{}, Y{}));
    else if constexpr (negated<Y>::value) return negate(multiply(X{}, typename negated<Y>::inner{}));
    else if constexpr (is_rational_v<Y>) return multiply(Y{}, X{});  // constants first
    else if constexpr (is_rational_v<X> && product_with_rational<Y>::value)
        return multiply(multiply(X{}, typename product_with_rational<Y>::factor{}),
                        typename product_with_rational<Y>::rest{});
    else if constexpr (product_with_rational<Y>::value)  // x·(c·y) = c·(x·y): constants first
        return multiply(typename product_with_rational<Y>::factor{},
                        multiply(X{}, typename product_with_rational<Y>::rest{}));
    else if constexpr (product_with_rational<X>::value)  // (c·x)·y = c·(x·y)
        return multiply(typename product_with_rational<X>::factor{},
                        multiply(typename product_with_rational<X>::rest{}, Y{}));
    else if constexpr (reciprocal<Y>::value) return divide(X{}, typename reciprocal<Y>::denominator{});
    else if constexpr (reciprocal<X>::value) return divide(Y{}, typename reciprocal<X>::denominator{});
    else if constexpr (std::is_same_v<X, Y>) return call<pow_fn<2>, X>{};
    else return call<mul_fn, X, Y>{};
}
template <term X, term Y>
constexpr auto divide(X, Y) {
    if constexpr (is_zero_v<X>) return rational<0>{};
    else if constexpr (is_one_v<Y>) return X{};
    else if constexpr (is_rational_v<X> && is_rational_v<Y>) {
        constexpr detail_rational::exact r = detail_rational::product(X::num, X::den, Y::den, Y::num);
        return make_exact_rational<r.num, r.den, r.fits>();
    } else if constexpr (is_rational_v<Y>) return multiply(make_rational<Y::den, Y::num>(), X{});
    else if constexpr (negated<X>::value) return negate(divide(typename negated<X>::inner{}, Y{}));
    else if constexpr (negated<Y>::value) return negate(divide(X{}, typename negated<Y>::inner{}));
    // constants out of a quotient, to the front: 2·z/(2·√u) = z/√u, x/(2·y) = 1/2·(x/y)
    else if constexpr (product_with_rational<X>::value)
        return multiply(typename product_with_rational<X>::factor{}, divide(typename product_with_rational<X>::rest{}, Y{}));
    else if constexpr (product_with_rational<Y>::value)
        return multiply(divide(rational<1>{}, typename product_with_rational<Y>::factor{}),
                        divide(X{}, typename product_with_rational<Y>::rest{}));
    else return call<div_fn, X, Y>{};
}
template <int N, term X>
constexpr auto power(X) {
    if constexpr (N == 0) return rational<1>{};
    else if constexpr (N == 1) return X{};
    else if constexpr (is_rational_v<X> && N > 0) {
        constexpr detail_rational::exact r = detail_rational::power(X::num, X::den, N);
        return make_exact_rational<r.num, r.den, r.fits>();
    } else if constexpr (power_of<X>::value) return power<N * power_of<X>::exponent>(typename power_of<X>::base{});
    else if constexpr (negated<X>::value && N % 2 == 0) return power<N>(typename negated<X>::inner{});
    else return call<pow_fn<N>, X>{};
}
template <term C, term X, term Y>
constexpr auto select(C, X, Y) {
    if constexpr (std::is_same_v<X, Y>) return X{};
    else if constexpr (is_rational_v<C>) {
        if constexpr (C::num != 0) return X{};
        else return Y{};
    } else return call<select_fn, C, X, Y>{};
}

/// Builds Fn(args...) simplified: the arithmetic through the builders above, a primitive of
/// constants folded where it is exact (comparisons of rationals), anything else as a call.
template <class Fn, term... X>
constexpr auto make(X... x) {
    if constexpr (std::is_same_v<Fn, add_fn>) return add(x...);
    else if constexpr (std::is_same_v<Fn, sub_fn>) return subtract(x...);
    else if constexpr (std::is_same_v<Fn, mul_fn>) return multiply(x...);
    else if constexpr (std::is_same_v<Fn, div_fn>) return divide(x...);
    else if constexpr (std::is_same_v<Fn, neg_fn>) return negate(x...);
    else if constexpr (std::is_same_v<Fn, select_fn>) return select(x...);
    else if constexpr (is_comparison_v<Fn> && (is_rational_v<X> && ...))
        return rational<(Fn::scalar(X::value...) != 0.0) ? 1 : 0>{};
    else return call<Fn, X...>{};
}
template <class Fn, class... X>
using make_t = decltype(make<Fn>(X{}...));

// --- the language as users write it ---------------------------------------------------------
template <term X, term Y>
constexpr auto operator+(X, Y) { return add(X{}, Y{}); }
template <term X, term Y>
constexpr auto operator-(X, Y) { return subtract(X{}, Y{}); }
template <term X, term Y>
constexpr auto operator*(X, Y) { return multiply(X{}, Y{}); }
template <term X, term Y>
constexpr auto operator/(X, Y) { return divide(X{}, Y{}); }
template <term X>
constexpr auto operator-(X) { return negate(X{}); }

template <int N, term X>
constexpr auto pow(X) { return power<N>(X{}); }
template <term X>
constexpr auto exp(X) { return call<exp_fn, X>{}; }
template <term X>
constexpr auto expm1(X) { return call<expm1_fn, X>{}; }
template <term X>
constexpr auto log(X) { return call<log_fn, X>{}; }
template <term X>
constexpr auto log1p(X) { return call<log1p_fn, X>{}; }
template <term X>
constexpr auto sqrt(X) { return call<sqrt_fn, X>{}; }
template <term X>
constexpr auto abs(X) { return call<abs_fn, X>{}; }
template <term X>
constexpr auto sign(X) { return call<sign_fn, X>{}; }
template <term X>
constexpr auto tanh(X) { return call<tanh_fn, X>{}; }
template <term X>
constexpr auto sigmoid(X) { return call<sigmoid_fn, X>{}; }
template <term X>
constexpr auto softplus(X) { return call<softplus_fn, X>{}; }
template <term X>
constexpr auto softsign(X) { return call<softsign_fn, X>{}; }
template <term X>
constexpr auto erf(X) { return call<erf_fn, X>{}; }
template <term X>
constexpr auto erfc(X) { return call<erfc_fn, X>{}; }
template <term X, term Y>
constexpr auto max(X, Y) { return call<max_fn, X, Y>{}; }
template <term X, term Y>
constexpr auto min(X, Y) { return call<min_fn, X, Y>{}; }
/// clamp(x, lo, hi) with constant bounds.
template <term X, term Lo, term Hi>
constexpr auto clamp(X, Lo, Hi) {
    static_assert(is_constant_v<Lo> && is_constant_v<Hi>, "ctnn: clamp's bounds must be constants");
    return call<clamp_fn, X, Lo, Hi>{};
}
template <term X, term Y>
constexpr auto greater(X, Y) { return make<greater_fn>(X{}, Y{}); }
template <term X, term Y>
constexpr auto less(X, Y) { return make<less_fn>(X{}, Y{}); }
template <term X, term Y>
constexpr auto greater_equal(X, Y) { return make<greater_equal_fn>(X{}, Y{}); }
template <term X, term Y>
constexpr auto less_equal(X, Y) { return make<less_equal_fn>(X{}, Y{}); }
template <term X, term Y>
constexpr auto operator>(X, Y) { return greater(X{}, Y{}); }
template <term X, term Y>
constexpr auto operator<(X, Y) { return less(X{}, Y{}); }
template <term X, term Y>
constexpr auto operator>=(X, Y) { return greater_equal(X{}, Y{}); }
template <term X, term Y>
constexpr auto operator<=(X, Y) { return less_equal(X{}, Y{}); }

// --- constants as literals: 2_c, 0.25_c, 0.044715_c are exact rationals ---------------------
namespace detail_literal {
template <char... Cs>
constexpr auto parse() {
    static_assert(((Cs >= '0' && Cs <= '9') || ...) && ((Cs == '.' || Cs == '\'' || (Cs >= '0' && Cs <= '9')) && ...),
                  "ctnn: _c takes decimal digits and one point (0.25_c), no exponent or base prefix");
    constexpr char s[] = {Cs...};
    detail_rational::exact r;
    bool fraction = false;
    for (char c : s) {
        if (c == '\'') continue;
        if (c == '.') {
            fraction = true;
            continue;
        }
        r.fits = r.fits && !__builtin_mul_overflow(r.num, 10, &r.num) && !__builtin_add_overflow(r.num, c - '0', &r.num)
                 && !(fraction && __builtin_mul_overflow(r.den, 10, &r.den));
    }
    return r;
}
}  // namespace detail_literal

namespace literals {
/// `2_c`, `0.5_c`: an exact rational constant term (decimal digits only, no exponent).
template <char... Cs>
constexpr auto operator""_c() {
    constexpr detail_rational::exact r = detail_literal::parse<Cs...>();
    return make_exact_rational<r.num, r.den, r.fits>();
}
}  // namespace literals
using namespace literals;

}  // namespace ctnn::expr
