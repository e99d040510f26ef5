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
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctnn/core/shape.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/expr/graph.hpp"
#include "ctnn/init/pytorch_default.hpp"
#include "ctnn/layers/graph_layer.hpp"

namespace ctnn {

namespace detail {
/// output_width where the equations fix it, else preserves_width (it is the input's).
template <std::size_t Width>
struct declared_output_width {
    static constexpr std::size_t output_width = Width;
};
template <>
struct declared_output_width<0> {
    static constexpr bool preserves_width = true;
};
}  // namespace detail

/// Init draws every weight and bias (default: PyTorch's nn.Linear).
template <class Definition, class Init = init::pytorch_default>
struct expression_layer
    : detail::declared_output_width<expr::compiled_graph<std::remove_cvref_t<decltype(Definition::equations)>, 0>::
                                        template width<typename expr::compiled_graph<
                                            std::remove_cvref_t<decltype(Definition::equations)>, 0>::output>()> {
    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        using graph = expr::compiled_graph<std::remove_cvref_t<decltype(Definition::equations)>, InputShape.size()>;
        static_assert(!graph::recurrent,
                      "ctnn: expression_layer<...> has no states; a definition with next(state, ...) is a cell, "
                      "for recurrent_cell<...>");
        static_assert(diagnostics::check_initializer<Init>());
        using type = graph_layer<T, InputShape.size(), Definition, Init, false, (Index > 0)>;
    };
};

}  // namespace ctnn
