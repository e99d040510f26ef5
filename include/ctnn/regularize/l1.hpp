// regularize::l1: adds λ·Σ|θ| over the selected layers' weights (biases too if asked) to the
// loss, hence λ·sign(θ) to their gradients (0 at θ = 0, as PyTorch's autograd of abs). Drives
// weights to exactly zero: sparse models.
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/regularize/layers.hpp"

namespace ctnn::regularize {

template <class Layers = all_layers>
struct l1 {
    static constexpr std::string_view name = "l1";
    double lambda = 1e-4;
    bool include_biases = false;

    void validate() const {
        if (!(lambda >= 0.0)) throw invalid_argument("ctnn: regularize::l1 needs lambda >= 0, got " + std::to_string(lambda));
    }

    // θ (any shape) -> penalty λΣ|θ|, and grad += λ·sign(θ), for each selected parameter
    template <class Network>
    double apply(Network& net) const {
        double penalty = 0.0;
        detail::for_each_penalized<Layers>(net, include_biases, [&](auto& p) {
            using T = typename std::decay_t<decltype(p)>::scalar;
            double total = 0.0;
            for (const T v : p.value) total += std::abs(double(v));
            penalty += lambda * total;
            xt::noalias(p.grad) += T(lambda) * xt::sign(p.value);
        });
        return penalty;
    }
};

}  // namespace ctnn::regularize
