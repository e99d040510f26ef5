// regularize::l1: adds λ·Σ|θ| over the selected layers' weights (biases too if asked) to the
// loss, hence λ·sign(θ) to their gradients (0 at θ = 0, as PyTorch's autograd of abs). Drives
// weights to exactly zero: sparse models.
#pragma once

#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/regularize/layers.hpp"
#include "ctnn/regularize/penalty_pass.hpp"

namespace ctnn::regularize {

template <class Layers = all_layers>
struct l1 {
    static constexpr std::string_view name = "l1";
    double lambda = 1e-4;
    bool include_biases = false;

    void validate() const {
        if (!(lambda >= 0.0))
            throw invalid_argument("ctnn: regularize::l1 needs lambda >= 0, got " + ctnn::detail::number_string(lambda));
    }

    // θ (any shape) -> penalty λΣ|θ|, and grad += λ·sign(θ), for each selected parameter
    template <class Network>
    double apply(Network& net) const {
        double penalty = 0.0;
        detail::for_each_penalized<Layers>(net, include_biases, [&](auto& p) {
            using T = typename std::decay_t<decltype(p)>::scalar;
            penalty += lambda * detail::penalty_pass<detail::penalty_norm::l1>(p.value.data(), p.grad.data(),
                                                                              p.value.size(), T(lambda));
        });
        return penalty;
    }
};

}  // namespace ctnn::regularize
