// Pieces a user writes for ctnn, each as its formula alone: two activations and a loss. Their
// derivatives are derived by the compiler; the examples custom_activations.cpp and
// focal_loss.cpp train with them, and tests/expr/user_defined.cpp checks them against PyTorch.
#pragma once

#include <string_view>

#include <ctnn/core.hpp>

namespace user {
using namespace ctnn::expr;  // z, prediction, target, sigmoid, softplus, ... and 2_c, 0.25_c

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
}  // namespace user
