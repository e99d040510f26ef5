// expression_layer<Definition>: a layer written as equations over x (expr/graph.hpp), its
// backward pass derived at compile time (graph_layer.hpp). A highway layer:
//
//   template <std::size_t W>
//   struct highway {
//       static constexpr std::string_view name = "highway";
//       static constexpr auto gate = expr::node<"t">;
//       static constexpr auto equations = expr::equations(
//           let(gate, sigmoid(linear<"gate", W>(x))),
//           output(gate * apply<relu>(linear<"transform", W>(x)) + (1_c - gate) * x));
//   };
//   network<input<4>, dense<8, tanh>, expression_layer<highway<8>>, dense<1>>
//
// A layer whose output width depends on its input's (an output reading x) preserves its width.
// Equations of the form f(linear<"f", N>(x)), f element-wise (expr/affine_form.hpp), run on the
// affine back end that dense runs on (named_affine_layer.hpp, with graph_layer's accessors for
// the named product); any other graph on graph_layer.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>

#include "ctnn/core/shape.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/weight_bias_parameters.hpp"
#include "ctnn/expr/activation.hpp"
#include "ctnn/expr/affine_form.hpp"
#include "ctnn/expr/graph.hpp"
#include "ctnn/init/pytorch_default.hpp"
#include "ctnn/layers/affine_layer.hpp"
#include "ctnn/layers/graph_layer.hpp"
#include "ctnn/layers/named_affine_layer.hpp"

namespace ctnn {

namespace detail {
template <class Definition>
using equations_of = std::remove_cvref_t<decltype(Definition::equations)>;

/// output_width where the equations fix it, else preserves_width (it is the input's).
template <std::size_t Width>
struct declared_output_width {
    static constexpr std::size_t output_width = Width;
};
template <>
struct declared_output_width<0> {
    static constexpr bool preserves_width = true;
};
template <class Definition, class Equations = equations_of<Definition>,
          bool Affine = expr::is_affine_form_v<Equations>>
struct expression_output_width
    : declared_output_width<expr::compiled_graph<Equations, 0>::template width<
          typename expr::compiled_graph<Equations, 0>::output>()> {
    // without it the layer would have no value to pass on
    static_assert(!std::is_void_v<typename expr::compiled_graph<Equations, 0>::output>
                      || diagnostics::graph_has_no_output<diagnostics::definition<Definition>>::value,
                  "ctnn: a layer's equations need output(e): what the layer passes to the next one");
};
template <class Definition, class Equations>
struct expression_output_width<Definition, Equations, true> {
    static constexpr std::size_t output_width = expr::affine_form<Equations>::linear::width;
};

/// The element-wise f of an affine-form layer, as an activation: its formula, no name of its own.
template <class Formula>
struct formula_activation {
    static constexpr std::string_view name{};
    static constexpr Formula formula{};
};
/// The definition's `activation` where it names one with that formula (dense's), so that the
/// layer reports it by name; else the formula itself.
template <class Definition, class Formula>
struct affine_activation {
    using type = formula_activation<Formula>;
};
template <class Definition, class Formula>
    requires std::is_same_v<expr::formula_of<typename Definition::activation>, Formula>
struct affine_activation<Definition, Formula> {
    using type = typename Definition::activation;
};

/// An affine-form layer's kind (its definition's name) and its parameters' saved names:
/// `f.weight` and `f.bias` for linear<"f", N>, as graph_layer names them, and PyTorch's plain
/// `weight` and `bias` for an unnamed product (dense's, nn.Linear's).
template <class Definition, class Linear>
struct affine_names {
    static constexpr std::string_view kind = Definition::name;
    static constexpr std::string_view product = Linear::name.view();
    static constexpr std::string_view weight_name =
        product.empty() ? plain_weight_name : expr::join<product, weight_suffix>::value;
    static constexpr std::string_view bias_name =
        product.empty() ? plain_bias_name : expr::join<product, bias_suffix>::value;
};

/// The layer that runs Definition's equations inside a network: the affine back end where they
/// have its form, else graph_layer.
template <class T, std::size_t In, class Definition, class Init, bool InputGradient,
          bool Affine = expr::is_affine_form_v<equations_of<Definition>>>
struct expression_layer_type {
    static_assert(!expr::compiled_graph<equations_of<Definition>, In>::recurrent,
                  "ctnn: expression_layer<...> has no states; a definition with next(state, ...) is a cell, "
                  "for recurrent_cell<...>");
    using type = graph_layer<T, In, Definition, Init, false, InputGradient>;
};
template <class T, std::size_t In, class Definition, class Init, bool InputGradient>
struct expression_layer_type<T, In, Definition, Init, InputGradient, true> {
    using form = expr::affine_form<equations_of<Definition>>;
    using activation = typename affine_activation<Definition, typename form::formula>::type;
    using names = affine_names<Definition, typename form::linear>;
    // a named product keeps graph_layer's weight<"f">() and bias<"f">(); dense's unnamed one
    // keeps nn.Linear's members
    using type = std::conditional_t<
        names::product.empty(), affine_layer<T, In, form::linear::width, activation, Init, InputGradient, names>,
        named_affine_layer<T, In, form::linear::width, activation, Init, InputGradient, names>>;
};
}  // namespace detail

/// Init draws every weight and bias (default: PyTorch's nn.Linear).
template <class Definition, class Init = init::pytorch_default>
struct expression_layer : detail::expression_output_width<Definition> {
    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_initializer<Init>());
        using type =
            typename detail::expression_layer_type<T, InputShape.size(), Definition, Init,
                                                   diagnostics::computes_input_gradient(Index)>::type;
    };
};

}  // namespace ctnn
