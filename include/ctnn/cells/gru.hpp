// cells::gru<H>: PyTorch's nn.GRU cell written as equations, for recurrent_cell<...> and the
// built-in gru<...> layer. The three gates are one stacked product of x and one of h, as in
// nn.GRU (rows r, z, n):
//   r = σ(r_x + r_h),  z = σ(z_x + z_h),  n = tanh(n_x + r⊙n_h),  h_t = (1 − z)⊙n + z⊙h_{t−1}.
// b_hn stays inside r⊙(…), as in nn.GRU. Its parameters are nn.GRU's, in its order: ih.weight
// (3H, In), hh.weight (3H, H), ih.bias, hh.bias (no biases with Bias = false).
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/expr/graph.hpp"

namespace ctnn::cells {

template <std::size_t Hidden, bool Bias = true>
struct gru {
    static constexpr std::string_view name = "gru";
    static constexpr auto h = expr::state<"h", Hidden>;
    static constexpr auto from_x = expr::linear<"ih", 3 * Hidden, Bias>(expr::x);
    static constexpr auto from_h = expr::linear<"hh", 3 * Hidden, Bias>(h);
    static constexpr auto r = expr::node<"r">;
    static constexpr auto z = expr::node<"z">;
    static constexpr auto n = expr::node<"n">;
    static constexpr auto equations = expr::equations(
        expr::let(r, expr::sigmoid(expr::chunk<0, 3>(from_x) + expr::chunk<0, 3>(from_h))),
        expr::let(z, expr::sigmoid(expr::chunk<1, 3>(from_x) + expr::chunk<1, 3>(from_h))),
        expr::let(n, expr::tanh(expr::chunk<2, 3>(from_x) + r * expr::chunk<2, 3>(from_h))),
        expr::next(h, (expr::rational<1>{} - z) * n + z * h));
    /// The gate activations, stored one after another: r, z, n.
    static constexpr auto first_gate = r;
    static constexpr auto last_gate = n;
    static constexpr std::size_t gate_rows = 3 * Hidden;
};

}  // namespace ctnn::cells
