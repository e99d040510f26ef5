// The printed form of an expression, as one would write it: to_string(derivative(sigmoid(z), z))
// is "σ(z)·(1 − σ(z))", whose largest value, 1/4, is why deep sigmoid stacks vanish.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "ctnn/expr/rules.hpp"
#include "ctnn/expr/term.hpp"

namespace ctnn::expr {

namespace detail_print {
struct printed {
    std::string text;
    int binding;
};

inline std::string superscript(int n) {
    static constexpr std::string_view digits[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    std::string s = n < 0 ? "⁻" : "";
    const std::string plain = std::to_string(n < 0 ? -n : n);
    for (char c : plain) s += digits[c - '0'];
    return s;
}

inline std::string integer_text(std::intmax_t n) {
    return n < 0 ? "−" + std::to_string(-n) : std::to_string(n);
}

/// N/D as a decimal when it has one (0.25, 0.044715), else as a fraction.
inline printed rational_text(std::intmax_t n, std::intmax_t d) {
    if (d == 1) return {integer_text(n), n < 0 ? precedence::unary : precedence::atom};
    std::intmax_t rest = d;
    int places = 0;
    while (rest % 10 == 0) rest /= 10, ++places;
    while (rest % 2 == 0) rest /= 2, ++places;
    while (rest % 5 == 0) rest /= 5, ++places;
    if (rest == 1 && places <= 12) {
        std::intmax_t scale = 1;
        for (int i = 0; i < places; ++i) scale *= 10;
        const std::intmax_t magnitude = n < 0 ? -n : n;
        const std::intmax_t digits = magnitude * (scale / d);
        std::string fraction = std::to_string(digits % scale);
        fraction.insert(0, std::size_t(places) - fraction.size(), '0');
        while (fraction.size() > 1 && fraction.back() == '0') fraction.pop_back();
        return {(n < 0 ? "−" : "") + std::to_string(digits / scale) + "." + fraction,
                n < 0 ? precedence::unary : precedence::atom};
    }
    return {integer_text(n) + "/" + std::to_string(d), precedence::product};
}

inline std::string wrap(const printed& p, int at_least) {
    return p.binding < at_least ? "(" + p.text + ")" : p.text;
}

template <class E>
printed print(E);

/// How a term that is neither a call, a constant nor a named variable prints: specialized beside
/// such a term (graph.hpp's products and chunks), with a static `print()` returning `printed`.
template <class E>
struct term_printer;

template <class Fn, class... A>
printed print_call(call<Fn, A...>) {
    const printed args[] = {print(A{})...};
    if constexpr (Fn::form == notation::infix) {
        // x − y and x/y need parentheses around a right operand of equal binding; + and · do not.
        constexpr bool associative = std::is_same_v<Fn, add_fn> || std::is_same_v<Fn, mul_fn>;
        return {wrap(args[0], Fn::binding) + std::string(Fn::symbol)
                    + wrap(args[1], associative ? Fn::binding : Fn::binding + 1),
                Fn::binding};
    } else if constexpr (Fn::form == notation::prefix) {
        // −(x/y) = (−x)/y: a product needs no parentheses, a sum does
        return {std::string(Fn::symbol) + wrap(args[0], precedence::product), precedence::product};
    } else if constexpr (Fn::form == notation::power) {
        return {wrap(args[0], precedence::atom) + superscript(Fn::exponent), precedence::power};
    } else if constexpr (Fn::form == notation::magnitude) {
        return {"|" + args[0].text + "|", precedence::atom};
    } else if constexpr (Fn::form == notation::root) {
        return {"√" + wrap(args[0], precedence::atom), precedence::power};
    } else if constexpr (Fn::form == notation::bracket) {
        return {"[" + args[0].text + std::string(Fn::symbol) + args[1].text + "]", precedence::atom};
    } else if constexpr (Fn::form == notation::label_index) {
        return {wrap(args[0], precedence::atom) + "[y]", precedence::atom};
    } else if constexpr (Fn::form == notation::choice) {
        // (z > 0 ? 1 : 0.01): a bracketed condition reads without its brackets here
        std::string condition = args[0].text;
        if (condition.front() == '[' && condition.back() == ']') condition = condition.substr(1, condition.size() - 2);
        return {"(" + condition + " ? " + args[1].text + " : " + args[2].text + ")", precedence::atom};
    } else {
        std::string s = std::string(Fn::symbol) + "(";
        for (std::size_t i = 0; i < sizeof...(A); ++i) s += (i ? ", " : "") + args[i].text;
        return {s + ")", precedence::atom};
    }
}

template <class E>
printed print(E) {
    if constexpr (is_rational_v<E>)
        return rational_text(E::num, E::den);
    else if constexpr (is_call<E>::value)
        return print_call(E{});
    else if constexpr (requires { term_printer<E>::print(); })
        return term_printer<E>::print();
    else
        return {std::string(E::symbol), precedence::atom};  // a variable, constant or setting
}
}  // namespace detail_print

/// The expression as text, with the fewest parentheses that keep its meaning.
template <term E>
std::string to_string(E) {
    return detail_print::print(E{}).text;
}

}  // namespace ctnn::expr
