// What the gradient-health monitor measured on one layer at one step. NaN means "not measured":
// not applicable to this layer, or not available at this step (a non-finite loss skips backward).
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "ctnn/core/time_reach.hpp"

namespace ctnn::monitor {

struct layer_health {
    static constexpr double not_measured = std::numeric_limits<double>::quiet_NaN();

    std::size_t layer = 0;        ///< position in the network, from 0
    /// "" for a layer of the network; for a layer inside a block (residual, concatenate) at
    /// position `layer`, its name there as PyTorch's state_dict names it: "body.1",
    /// "branches.0.2", "body.0.body.1" in a nested block.
    std::string inner;
    std::string_view kind;        ///< "dense", "rnn", ...
    /// A block: its norms are over every inner layer's parameters, and its inner layers' own
    /// rows follow it.
    bool block = false;
    std::size_t parameters = 0;   ///< trainable scalars of the layer
    /// ‖∇θ‖ over all the layer's parameters (weights and biases), before clipping.
    double gradient_norm = not_measured;
    /// ‖θ‖ over all the layer's parameters, before this step's update.
    double weight_norm = not_measured;
    /// ‖Δθ‖ / ‖θ‖ of this step's update (weights before the update in the denominator).
    double update_ratio = not_measured;
    /// ‖∂L/∂z‖ over the batch: the gradient back-propagated into the layer's pre-activation z,
    /// for layers that expose it (dense). What "vanishing with depth" is about.
    double backprop_norm = not_measured;
    /// ReLU layers: fraction of units whose output is 0 for every row of the batch.
    double dead_fraction = not_measured;
    /// tanh and sigmoid layers: fraction of output elements beyond the saturation threshold.
    double saturated_fraction = not_measured;
    /// Recurrent layers: ‖∂L/∂h_t‖ for t = 0 … T−1 of the last backward pass.
    std::vector<double> time_gradient_norms;

    /// Recurrent layers: how far back the gradient entering at the last step reached, and how
    /// much of it (ctnn::time_reach: not measured for a layer whose output is read at every step,
    /// nor for padded sequences shorter than T).
    time_reach time_gradient_reach{};

    /// ‖∂L/∂h_first‖ / ‖∂L/∂h_{T−1}‖, first = T − 1 − time_gradient_reach.steps (0 but under
    /// truncated BPTT): how much the gradient shrank (< 1) or grew (> 1) on its way back through
    /// time; NaN where not measured.
    double time_gradient_ratio() const noexcept { return time_gradient_reach.ratio; }
};

}  // namespace ctnn::monitor
