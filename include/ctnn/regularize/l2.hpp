// regularize::l2: adds λ·Σθ² over the selected layers' weights (biases too if asked) to the
// loss, hence 2λθ to their gradients. Unlike weight decay inside an optimizer, the penalty is
// part of the objective: it is reported in the loss and clipped with the gradient.
#pragma once

#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/regularize/layers.hpp"
#include "ctnn/regularize/penalty_pass.hpp"

namespace ctnn::regularize {

template <class Layers = all_layers>
struct l2 {
    static constexpr std::string_view name = "l2";
    double lambda = 1e-4;
    bool include_biases = false;

    void validate() const {
        if (!(lambda >= 0.0))
            throw invalid_argument("ctnn: regularize::l2 needs lambda >= 0, got " + ctnn::detail::number_string(lambda));
    }

    // θ (any shape) -> penalty λΣθ², and grad += 2λθ, for each selected parameter
    template <class Network>
    double apply(Network& net) const {
        double penalty = 0.0;
        detail::for_each_penalized<Layers>(net, include_biases, [&](auto& p) {
            using T = typename std::decay_t<decltype(p)>::scalar;
            penalty += lambda * detail::penalty_pass<detail::penalty_norm::l2>(p.value.data(), p.grad.data(),
                                                                              p.value.size(), T(2 * lambda));
        });
        return penalty;
    }
};

}  // namespace ctnn::regularize
