// cells::elman<H, Activation>: PyTorch's nn.RNN cell written as equations, for recurrent_cell<...>:
//   h_t = act(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh).
// Its parameters are nn.RNN's, in its order: ih.weight, hh.weight, ih.bias, hh.bias (no biases
// with Bias = false).
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/activations/tanh.hpp"
#include "ctnn/expr/graph.hpp"

namespace ctnn::cells {

template <std::size_t Hidden, class Activation = ctnn::tanh, bool Bias = true>
struct elman {
    static constexpr std::string_view name = "elman";
    static constexpr auto h = expr::state<"h", Hidden>;
    static constexpr auto equations = expr::equations(
        expr::next(h, expr::apply<Activation>(expr::linear<"ih", Hidden, Bias>(expr::x) + expr::linear<"hh", Hidden, Bias>(h))));
};

}  // namespace ctnn::cells
