// dense<Out, Activation, Init>: a fully connected layer a = act(x·Wᵀ + b), PyTorch's nn.Linear
// followed by an activation, with W stored [out, in] as PyTorch does. It is one equation,
// output(apply<Activation>(linear<"", Out>(x))), which runs on the affine back end
// (affine_layer.hpp) as any expression layer of that form does.
#pragma once

#include <cstddef>
#include <string_view>
#include <type_traits>

#include "ctnn/activations/identity.hpp"
#include "ctnn/concepts/activation.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/expr/affine_form.hpp"
#include "ctnn/expr/graph.hpp"
#include "ctnn/init/pytorch_default.hpp"
#include "ctnn/layers/expression_layer.hpp"

namespace ctnn {

/// Pass as a dense layer's `In` to have its input width inferred from the layer before.
inline constexpr std::size_t infer_width = 0;

namespace detail {
/// dense's definition: a = f(W·x + b), one unnamed product (its parameters saved as PyTorch's
/// `weight` and `bias`), f the activation's formula.
template <std::size_t Out, class Activation>
struct dense_equations {
    static constexpr std::string_view name = "dense";
    using activation = Activation;
    static constexpr auto equations =
        expr::equations(expr::output(expr::apply<Activation>(expr::linear<"", Out>(expr::x))));
    static_assert(expr::is_affine_form_v<std::remove_cvref_t<decltype(equations)>>);
};

/// The layer dense binds to, formed only when its width and activation passed their checks
/// (`Checked`): a width of 0, or an activation without a usable formula, would only add errors
/// of their own to the one that named them. A refused activation binds as identity, so that
/// the network around it compiles on and its one error stays the only one.
template <bool Checked, class T, std::size_t In, std::size_t Out, class Activation, class Init, bool InputGradient>
struct dense_binding {
    using type = void;
};
template <class T, std::size_t In, std::size_t Out, class Activation, class Init, bool InputGradient>
struct dense_binding<true, T, In, Out, Activation, Init, InputGradient> {
    using type = typename expression_layer_type<T, In, dense_equations<Out, Activation>, Init, InputGradient>::type;
};
template <class T, std::size_t In, std::size_t Out, class Activation, class Init, bool InputGradient>
    requires(Out > 0 && !activation_policy<Activation>)
struct dense_binding<false, T, In, Out, Activation, Init, InputGradient>
    : dense_binding<true, T, In, Out, identity, Init, InputGradient> {};
// a width of 0 binds as the affine layer of no units, whose formula no linear term could give
template <class T, std::size_t In, class Activation, class Init, bool InputGradient>
struct dense_binding<false, T, In, 0, Activation, Init, InputGradient> {
    using type = affine_layer<T, In, 0, identity, Init, InputGradient,
                              affine_names<dense_equations<1, identity>, expr::linear_term<"", 1, true, expr::var<expr::input_tag>>>>;
};
}  // namespace detail

/// The dense layer inside a network, as dense<Out, Activation, Init> binds it after a layer of
/// width `In` (the first layer: InputGradient false).
template <class T, std::size_t In, std::size_t Out, class Activation, class Init, bool InputGradient>
using dense_layer =
    typename detail::expression_layer_type<T, In, detail::dense_equations<Out, Activation>, Init, InputGradient>::type;

/// A fully connected layer of `Out` units as written in a network's type list. `In` is inferred
/// from the previous layer unless given, in which case a mismatch is a compile error naming the
/// layer and both widths.
template <std::size_t Out, class Activation = identity, class Init = init::pytorch_default,
          std::size_t In = infer_width>
struct dense {
    static constexpr std::size_t output_width = Out;
    static constexpr std::size_t declared_input_width = In;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_layer_width<dense, Index, Out>());
        static_assert(diagnostics::check_layer_input_width<dense, Index, In, InputShape.size()>());
        static_assert(diagnostics::check_activation<Activation>());
        static_assert(diagnostics::check_initializer<Init>());
        using type = typename detail::dense_binding<(Out > 0 && activation_policy<Activation>), T, InputShape.size(),
                                                    Out, Activation, Init,
                                                    diagnostics::computes_input_gradient(Index)>::type;
    };
};

}  // namespace ctnn
