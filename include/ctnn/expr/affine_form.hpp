// affine_form<Equations>: whether a layer's equations are a = f(W·x + b), one product of the
// input followed by an element-wise function of it alone, and if so that product's name and
// width and f as a formula in z. Such a layer runs on the affine back end (layers/affine_layer.hpp),
// whichever layer wrote it: dense<N, relu> is output(apply<relu>(linear<"", N>(x))), and a user's
// output(apply<swish>(linear<"f", N>(x))) takes the same path.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctnn/expr/derivative.hpp"
#include "ctnn/expr/graph.hpp"
#include "ctnn/expr/term.hpp"

namespace ctnn::expr {

namespace detail_affine {
/// The first linear term inside E (E itself included), or void.
template <class E>
struct first_product {
    using type = void;
};
template <fixed_string Name, std::size_t Width, bool Bias, class Operand>
struct first_product<linear_term<Name, Width, Bias, Operand>> {
    using type = linear_term<Name, Width, Bias, Operand>;
};
template <class Fn>
struct first_product<call<Fn>> {
    using type = void;
};
template <class Fn, class A0, class... A>
struct first_product<call<Fn, A0, A...>> {
    using head = typename first_product<A0>::type;
    using type = std::conditional_t<!std::is_void_v<head>, head, typename first_product<call<Fn, A...>>::type>;
};

/// Whether E is element-wise in z alone: z, constants, and primitives of those; no other
/// variable, product, chunk, run-time setting or row reduction.
template <class E>
struct elementwise_in_z : std::bool_constant<is_rational_v<E>> {};
template <>
struct elementwise_in_z<var<preactivation_tag>> : std::true_type {};
template <class Tag>
struct elementwise_in_z<constant<Tag>> : std::true_type {};
template <class Fn, class... A>
struct elementwise_in_z<call<Fn, A...>> : std::bool_constant<!reduces_row_v<Fn> && (elementwise_in_z<A>::value && ...)> {};

template <class Product>
struct product_of_input : std::false_type {};
template <fixed_string Name, std::size_t Width>
struct product_of_input<linear_term<Name, Width, true, var<input_tag>>> : std::true_type {
    static constexpr auto name = Name;
    static constexpr std::size_t width = Width;
};
}  // namespace detail_affine

template <class Equations>
struct affine_form {
    static constexpr bool matches = false;
};

/// output(e) alone, e = f(linear<Name, Width>(x)) with f element-wise: `formula` is f in z.
template <class E>
struct affine_form<equations_t<output_equation<E>>> {
private:
    using product = typename detail_affine::first_product<E>::type;
    using in_z = substitute_t<E, product, var<preactivation_tag>>;

public:
    // E itself must not read z: in a layer's equations z is no variable (graph_layer refuses it)
    static constexpr bool matches = detail_affine::product_of_input<product>::value
                                    && !contains_v<var<preactivation_tag>, E>
                                    && detail_affine::elementwise_in_z<in_z>::value;
    /// f(z): E with its product replaced by z (meaningful only where it matches).
    using formula = in_z;
    /// The product's `name` and `width`, where it matches.
    using linear = detail_affine::product_of_input<product>;
};

template <class Equations>
inline constexpr bool is_affine_form_v = affine_form<Equations>::matches;

}  // namespace ctnn::expr
