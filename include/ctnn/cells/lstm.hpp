// cells::lstm<H>: PyTorch's nn.LSTM cell written as equations, for recurrent_cell<...> and the
// built-in lstm<...> layer. The four gates are one stacked product of x and one of h, as in
// nn.LSTM (rows i, f, g, o); each gate's activation is a node, so it is stored (the derivative
// reads it: σ′ = σ(1 − σ)) and can be inspected:
//   i, f, o = σ(·),  g = tanh(·),  c_t = f⊙c_{t−1} + i⊙g,  h_t = o⊙tanh(c_t).
// Its parameters are nn.LSTM's, in its order: ih.weight (4H, In), hh.weight (4H, H), ih.bias,
// hh.bias (no biases with Bias = false).
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/expr/graph.hpp"

namespace ctnn::cells {

template <std::size_t Hidden, bool Bias = true>
struct lstm {
    static constexpr std::string_view name = "lstm";
    static constexpr auto h = expr::state<"h", Hidden>;
    static constexpr auto c = expr::state<"c", Hidden>;
    static constexpr auto preactivation = expr::node<"preactivation">;
    static constexpr auto i = expr::node<"i">;
    static constexpr auto f = expr::node<"f">;
    static constexpr auto g = expr::node<"g">;
    static constexpr auto o = expr::node<"o">;
    static constexpr auto equations = expr::equations(
        expr::let(preactivation,
                  expr::linear<"ih", 4 * Hidden, Bias>(expr::x) + expr::linear<"hh", 4 * Hidden, Bias>(h)),
        expr::let(i, expr::sigmoid(expr::chunk<0, 4>(preactivation))),
        expr::let(f, expr::sigmoid(expr::chunk<1, 4>(preactivation))),
        expr::let(g, expr::tanh(expr::chunk<2, 4>(preactivation))),
        expr::let(o, expr::sigmoid(expr::chunk<3, 4>(preactivation))),
        expr::next(c, f * c + i * g),
        expr::next(h, o * expr::tanh(expr::updated(c))),
        expr::output(expr::updated(h)));
    /// The gate activations, stored one after another: i, f, g, o.
    static constexpr auto first_gate = i;
    static constexpr auto last_gate = o;
    static constexpr std::size_t gate_rows = 4 * Hidden;
};

}  // namespace ctnn::cells
