// A step simple enough for a layer to fold into its weight-gradient product, so the gradient
// is never formed: b ← μ·b + (1 − τ)·g (b ← g on the first step; no buffer without momentum),
// θ ← θ − lr·b, g negated to ascend. An optimizer offers it through `folds()` and `folded()`
// (optim::sgd without weight decay or Nesterov); the trainer then takes the folded path with
// clip::off (see docs/training.md), whatever the optimizer is called. The layer keeps b in the
// weight's first moment slot (torch's momentum_buffer) and counts the step; the optimizer's
// prepare and update still run for the bias.
#pragma once

#include <concepts>

namespace ctnn::optim {

struct folded_step {
    double lr = 0.0;
    double momentum = 0.0;
    double dampening = 0.0;
    bool maximize = false;
};

/// An optimizer whose step can be folded (for its current settings, when `folds()`).
template <class O>
concept folds_into_weight_gradient = requires(const O& o) {
    { o.folds() } -> std::convertible_to<bool>;
    { o.folded() } -> std::same_as<folded_step>;
};

}  // namespace ctnn::optim
