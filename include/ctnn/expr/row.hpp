// Reductions over one row of a loss's operands (one sample's classes): the sum, the
// log-sum-exp and the element of the labelled class, what the cross-entropies are made of. A
// row formula is one value per row built from them (softmax cross-entropy is
// logsumexp(ŷ) − ŷ[y]); its gradient with respect to each element ŷⱼ is derived by the same
// chain rule as an element formula's, through these rules:
//   ∂ Σ(x) / ∂ŷⱼ          = ∂xⱼ/∂ŷⱼ
//   ∂ logsumexp(x) / ∂ŷⱼ  = e^(xⱼ − logsumexp(x)) · ∂xⱼ/∂ŷⱼ      (the softmax)
//   ∂ x[y] / ∂ŷⱼ          = [j = y] · ∂xⱼ/∂ŷⱼ
// A reduction's operand is an element formula (a reduction inside a reduction is refused at
// compile time), so each reduction is computed once per row and every element's gradient reads
// its value: the cross-entropy's gradient e^(ŷⱼ − logsumexp(ŷ)) − [j = y] costs one pass.
#pragma once

#include <string_view>
#include <type_traits>

#include "ctnn/expr/rules.hpp"
#include "ctnn/expr/term.hpp"

namespace ctnn::expr {

struct label_indicator_tag {
    static constexpr std::string_view symbol = "[j = y]";
};
struct class_weight_tag {
    static constexpr std::string_view symbol = "w";
};
/// [j = y]: 1 at the element of the row's labelled class, else 0 (what ∂ŷ[y]/∂ŷⱼ reads).
inline constexpr var<label_indicator_tag> is_label{};
/// w: the element's class weight (a loss's `class_weights`, 1 without them).
inline constexpr var<class_weight_tag> class_weight{};

/// Σⱼ xⱼ over the row.
struct row_sum_fn {
    static constexpr bool reduces_row = true;
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "Σ";
    template <std::size_t I, class X>
    static constexpr auto partial() { return rational<1>{}; }
};
/// log Σⱼ e^(xⱼ), computed shifted by the row's largest xⱼ (no overflow at ±1000).
struct log_sum_exp_fn {
    static constexpr bool reduces_row = true;
    static constexpr notation form = notation::function;
    static constexpr std::string_view symbol = "logsumexp";
    template <std::size_t I, class X>
    static constexpr auto partial() { return exp(X{} - call<log_sum_exp_fn, X>{}); }
};
/// x at the row's labelled class, x[y] (the target is the row's class label).
struct at_label_fn {
    static constexpr bool reduces_row = true;
    static constexpr notation form = notation::label_index;
    template <std::size_t I, class X>
    static constexpr auto partial() { return is_label; }
};

/// The row formulas' builders. `x` must be an element formula: a reduction inside a
/// reduction has no per-element gradient of this form and is refused.
template <term X>
constexpr auto row_sum(X) {
    static_assert(!has_reduction<X>::value, "ctnn: expr::row_sum of a term that already reduces the row");
    return call<row_sum_fn, X>{};
}
template <term X>
constexpr auto log_sum_exp(X) {
    static_assert(!has_reduction<X>::value,
                  "ctnn: expr::log_sum_exp of a term that already reduces the row");
    return call<log_sum_exp_fn, X>{};
}
template <term X>
constexpr auto at_label(X) {
    static_assert(!has_reduction<X>::value, "ctnn: expr::at_label of a term that already reduces the row");
    return call<at_label_fn, X>{};
}

/// The distinct reductions of a formula, children before parents: `row_values<R...>` holds
/// their values for one row.
template <class... R>
struct row_values {
    double value[sizeof...(R) == 0 ? 1 : sizeof...(R)]{};

    template <class E>
    static constexpr std::size_t index_of() {
        std::size_t i = 0, found = sizeof...(R);
        ((std::is_same_v<E, R> ? (found = i, ++i) : ++i), ...);
        return found;
    }
    template <class E>
    double get() const noexcept {
        static_assert(index_of<E>() < sizeof...(R), "ctnn: a reduction the row was not reduced for");
        return value[index_of<E>()];
    }
};

namespace detail_row {
template <class List, class E>
struct add_unique;
template <class... R, class E>
struct add_unique<row_values<R...>, E> {
    using type = std::conditional_t<(std::is_same_v<R, E> || ...), row_values<R...>, row_values<R..., E>>;
};
template <class List, class E>
struct collect {
    using type = List;
};
template <class List, class... Es>
struct collect_all {
    using type = List;
};
template <class List, class E, class... Es>
struct collect_all<List, E, Es...> {
    using type = typename collect_all<typename collect<List, E>::type, Es...>::type;
};
template <class List, class Fn, class... A>
struct collect<List, call<Fn, A...>> {
    using children = typename collect_all<List, A...>::type;
    using type = std::conditional_t<reduces_row_v<Fn>, typename add_unique<children, call<Fn, A...>>::type, children>;
};

/// Whether E reads a variable outside every reduction (what a row formula may not: it has one
/// value per row, not per element).
template <class E>
struct reads_element : has_variable<E> {};
template <class Fn, class... A>
struct reads_element<call<Fn, A...>> : std::bool_constant<!reduces_row_v<Fn> && (reads_element<A>::value || ...)> {};
}  // namespace detail_row

/// The reductions of the formulas Es, each once.
template <class... Es>
using reductions_of_t = typename detail_row::collect_all<row_values<>, Es...>::type;

/// Whether E applies primitive Fn anywhere.
template <class Fn, class E>
struct applies : std::false_type {};
template <class Fn, class G, class... A>
struct applies<Fn, call<G, A...>> : std::bool_constant<std::is_same_v<Fn, G> || (applies<Fn, A>::value || ...)> {};

/// Whether a row formula reads class labels (it picks x[y]) rather than per-element targets.
template <class E>
inline constexpr bool reads_labels_v = applies<at_label_fn, E>::value;

/// A formula of one value per row: it reads the elements only through reductions.
template <class E>
inline constexpr bool is_row_formula_v = !detail_row::reads_element<E>::value;

}  // namespace ctnn::expr
