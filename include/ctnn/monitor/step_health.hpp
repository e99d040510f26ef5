// What the gradient-health monitor measured at one training step: the step's totals and ratios,
// and one layer_health per layer of the network.
#pragma once

#include <cstddef>
#include <vector>

#include "ctnn/monitor/layer_health.hpp"

namespace ctnn::monitor {

struct step_health {
    std::size_t step = 0;   ///< the trainer's step number (step_report::step)
    std::size_t epoch = 0;  ///< epoch within the current fit (0 outside fit)
    std::size_t rows = 0;   ///< samples in the batch
    double loss = layer_health::not_measured;
    /// The optimizer's rate for this step (step_report::learning_rate).
    double learning_rate = layer_health::not_measured;
    /// ‖∇θ‖ over every parameter of the network, before clipping.
    double gradient_norm = layer_health::not_measured;
    /// backprop_norm of the first layer that measures it / of the last one (the vanishing ratio).
    double backprop_ratio = layer_health::not_measured;
    /// gradient_norm of the first layer with parameters / of the last one.
    double gradient_ratio = layer_health::not_measured;
    /// Whether the optimizer applied this step's update.
    bool applied = false;
    /// An applied update that a later step's rollback undid (non_finite_action::rollback puts
    /// back the weights from before the last applied update).
    bool undone = false;
    std::vector<layer_health> layers;
};

}  // namespace ctnn::monitor
