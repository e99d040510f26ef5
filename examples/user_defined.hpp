// Pieces a user writes for ctnn, each as its formulas alone: two activations, a loss, a layer
// and a recurrent cell. Their derivatives are derived by the compiler; the examples
// custom_activations.cpp, focal_loss.cpp, highway_mlp.cpp and mgu_cell.cpp train with them, and
// tests/expr/user_defined.cpp checks them against PyTorch.
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
}  // namespace user
