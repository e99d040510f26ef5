// cells::lstm<H>: PyTorch's nn.LSTM cell written as equations, for recurrent_cell<...>. The four
// gates are one stacked product of x and one of h, as in nn.LSTM (rows i, f, g, o):
//   c_t = σ(f)⊙c_{t−1} + σ(i)⊙expr::tanh(g),  h_t = σ(o)⊙expr::tanh(c_t).
// Its parameters are nn.LSTM's, in its order: ih.weight (4H, In), hh.weight (4H, H), ih.bias,
// hh.bias.
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/expr/graph.hpp"

namespace ctnn::cells {

template <std::size_t Hidden>
struct lstm {
    static constexpr std::string_view name = "lstm";
    static constexpr auto h = expr::state<"h", Hidden>;
    static constexpr auto c = expr::state<"c", Hidden>;
    static constexpr auto gates = expr::node<"gates">;
    static constexpr auto equations = expr::equations(
        expr::let(gates, expr::linear<"ih", 4 * Hidden>(expr::x) + expr::linear<"hh", 4 * Hidden>(h)),
        expr::next(c, expr::sigmoid(expr::chunk<1, 4>(gates)) * c
                    + expr::sigmoid(expr::chunk<0, 4>(gates)) * expr::tanh(expr::chunk<2, 4>(gates))),
        expr::next(h, expr::sigmoid(expr::chunk<3, 4>(gates)) * expr::tanh(expr::updated(c))),
        expr::output(expr::updated(h)));
};

}  // namespace ctnn::cells
