// recurrent_cell<Cell>: a recurrent layer from a cell written as equations (expr/graph.hpp), with
// back-propagation through time supplied by the layer (graph_layer.hpp). A cell is a struct with
// a `name` and `equations` that read x and its states and give each state's next value:
//
//   template <std::size_t H>
//   struct mgu {
//       static constexpr std::string_view name = "mgu";
//       static constexpr auto h = expr::state<"h", H>;
//       static constexpr auto f = expr::node<"f">;
//       static constexpr auto equations = expr::equations(
//           let(f, sigmoid(linear<"f", H>(x) + linear<"fh", H, false>(h))),
//           next(h, (1_c - f) * h + f * tanh(linear<"c", H>(x) + linear<"ch", H, false>(f * h))));
//   };
//   network<sequence<3>, recurrent_cell<mgu<16>>, dense<1>>
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctnn/core/sequence.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/expr/graph.hpp"
#include "ctnn/init/recurrent_default.hpp"
#include "ctnn/layers/graph_layer.hpp"

namespace ctnn {

/// A layer running `Cell` along the time axis; it returns the cell's output at the last step
/// (`last_state`) or at every step (`whole_sequence`). Init draws every weight and bias (default:
/// U(±1/√hidden), PyTorch's for its recurrent modules); given a RecurrentInit, that draws the
/// weights of the products of a state (W·h) instead. States start at zero unless
/// `initial(state)` is set on the bound layer.
template <class Cell, class Returns = last_state, class Init = init::recurrent_default,
          class RecurrentInit = detail::same_initializer>
struct recurrent_cell {
    using graph = expr::compiled_graph<std::remove_cvref_t<decltype(Cell::equations)>, 0>;
    static_assert(graph::recurrent, "ctnn: recurrent_cell<Cell> needs a cell with at least one next(state, ...) equation");
    static constexpr std::size_t output_width = graph::template width<typename graph::output>();
    // (a mistyped node<"..."> has no width either: the graph's own check names it, at bind)
    static_assert(output_width > 0 || !graph::every_read_defined,
                  "ctnn: a cell's output width must not depend on its input's width");
    static constexpr bool recurrent = true;
    static constexpr bool returns_sequence = Returns::returns_sequence;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_initializer<Init>());
        static_assert([] {
            if constexpr (std::is_same_v<RecurrentInit, detail::same_initializer>)
                return true;
            else
                return diagnostics::check_initializer<RecurrentInit>();
        }());
        using type = graph_layer<T, InputShape.size(), Cell, Init, Returns::returns_sequence,
                                 diagnostics::computes_input_gradient(Index), RecurrentInit>;
    };
};

}  // namespace ctnn
