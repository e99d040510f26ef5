// Pieces a user writes for ctnn, each as its formulas alone: two activations, a loss, a layer
// and recurrent cells. Their derivatives are derived by the compiler; the examples
// custom_activations.cpp, focal_loss.cpp, highway_mlp.cpp, mgu_cell.cpp and
// indrnn_gradient_reach.cpp run them, and tests/expr/user_defined.cpp checks them against PyTorch.
#pragma once

#include <string_view>

#include <ctnn/core.hpp>
#include <ctnn/layers/expression_layer.hpp>
#include <ctnn/layers/recurrent_cell.hpp>

namespace user {
using namespace ctnn::expr;  // z, prediction, target, x, sigmoid, linear, ... and 2_c, 0.25_c

// [swish]
/// swish (Ramachandran et al. 2017): a = z·σ(z).
struct swish {
    static constexpr std::string_view name = "swish";
    static constexpr auto formula = z * sigmoid(z);
};
// [swish]

// [mish]
/// mish (Misra 2019): a = z·tanh(softplus(z)).
struct mish {
    static constexpr std::string_view name = "mish";
    static constexpr auto formula = z * tanh(softplus(z));
};
// [mish]

// [focal-loss]
/// Binary focal loss on logits (Lin et al. 2017), as torchvision's sigmoid_focal_loss with
/// α = 0.25, γ = 2, averaged: cross-entropy, scaled down where the prediction is already right.
struct focal_loss {
    static constexpr std::string_view name = "focal";
    static constexpr auto p = sigmoid(prediction);                       // P(class 1)
    static constexpr auto p_t = p * target + (1_c - p) * (1_c - target);  // P(the true class)
    static constexpr auto alpha_t = 0.25_c * target + 0.75_c * (1_c - target);
    static constexpr auto cross_entropy = softplus(prediction) - prediction * target;
    static constexpr auto formula = alpha_t * pow<2>(1_c - p_t) * cross_entropy;
};
// [focal-loss]

// [highway]
/// A highway layer (Srivastava et al. 2015): a learned gate t chooses, per unit, between a
/// transform of x and x itself: y = t ⊙ relu(W_H·x + b_H) + (1 − t) ⊙ x, t = σ(W_T·x + b_T).
/// Its width is its input's (y adds x).
template <std::size_t Width>
struct highway {
    static constexpr std::string_view name = "highway";
    static constexpr auto t = node<"t">;
    static constexpr auto equations = ctnn::expr::equations(
        let(t, sigmoid(linear<"gate", Width>(x))),
        output(t * apply<ctnn::relu>(linear<"transform", Width>(x)) + (1_c - t) * x));
};
// [highway]

// [mgu]
/// The minimal gated unit (Zhou et al. 2016): one gate f both forgets and writes.
///   f_t = σ(W_f·x_t + b_f + U_f·h_{t−1}),  c_t = tanh(W_c·x_t + b_c + U_c·(f_t ⊙ h_{t−1})),
///   h_t = (1 − f_t) ⊙ h_{t−1} + f_t ⊙ c_t.
template <std::size_t Hidden>
struct mgu {
    static constexpr std::string_view name = "mgu";
    static constexpr auto h = state<"h", Hidden>;
    static constexpr auto f = node<"f">;
    static constexpr auto equations = ctnn::expr::equations(
        let(f, sigmoid(linear<"f", Hidden>(x) + linear<"fh", Hidden, false>(h))),
        next(h, (1_c - f) * h + f * tanh(linear<"c", Hidden>(x) + linear<"ch", Hidden, false>(f * h))));
};
// [mgu]

// [indrnn]
/// The independently recurrent network (Li et al. 2018): each unit feeds back into itself alone,
/// through a learned per-unit weight u (a param: a vector, not a matrix).
///   h_t = relu(W·x_t + b + u ⊙ h_{t−1})
/// A unit's gradient through time is a product of its own factors u·relu′, which u, kept near 1,
/// stops from vanishing or exploding over long sequences.
template <std::size_t Hidden>
struct indrnn {
    static constexpr std::string_view name = "indrnn";
    static constexpr auto h = state<"h", Hidden>;
    static constexpr auto equations =
        ctnn::expr::equations(next(h, apply<ctnn::relu>(linear<"ih", Hidden>(x) + param<"u", Hidden> * h)));
};
// [indrnn]

// [peephole]
/// An LSTM with peepholes (Gers and Schmidhuber 2000): the input and forget gates also read the
/// cell c_{t−1}, and the output gate the new cell c_t, each through a per-unit weight (p_i, p_f,
/// p_o: params). Gates stacked as nn.LSTM stacks them (i, f, g, o).
///   c_t = σ(i + p_i ⊙ c_{t−1}) ⊙ tanh(g) + σ(f + p_f ⊙ c_{t−1}) ⊙ c_{t−1}
///   h_t = σ(o + p_o ⊙ c_t) ⊙ tanh(c_t)
template <std::size_t Hidden>
struct peephole_lstm {
    static constexpr std::string_view name = "peephole_lstm";
    static constexpr auto h = state<"h", Hidden>;
    static constexpr auto c = state<"c", Hidden>;
    static constexpr auto gates = node<"gates">;
    static constexpr auto equations = ctnn::expr::equations(
        let(gates, linear<"ih", 4 * Hidden>(x) + linear<"hh", 4 * Hidden, false>(h)),
        next(c, sigmoid(chunk<0, 4>(gates) + param<"p_i", Hidden> * c) * tanh(chunk<2, 4>(gates))
                    + sigmoid(chunk<1, 4>(gates) + param<"p_f", Hidden> * c) * c),
        next(h, sigmoid(chunk<3, 4>(gates) + param<"p_o", Hidden> * updated(c)) * tanh(updated(c))),
        output(updated(h)));
};
// [peephole]
}  // namespace user
