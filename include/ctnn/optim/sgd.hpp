// Stochastic gradient descent, exactly torch.optim.SGD (momentum, dampening, Nesterov, weight
// decay, maximize). With maximize it is gradient ascent.
#pragma once

#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::optim {

struct sgd {
    static constexpr std::string_view name = "sgd";

    double lr = 0.01;
    double momentum = 0.0;
    double dampening = 0.0;
    double weight_decay = 0.0;
    bool nesterov = false;
    /// Ascend the objective instead of descending it.
    bool maximize = false;

    void validate() const {
        if (!(lr >= 0.0)) throw invalid_argument("ctnn: sgd needs lr >= 0, got " + std::to_string(lr));
        if (!(momentum >= 0.0))
            throw invalid_argument("ctnn: sgd needs momentum >= 0, got " + std::to_string(momentum));
        if (!(weight_decay >= 0.0))
            throw invalid_argument("ctnn: sgd needs weight_decay >= 0, got "
                                   + std::to_string(weight_decay));
        if (nesterov && (momentum <= 0.0 || dampening != 0.0))
            throw invalid_argument("ctnn: sgd with nesterov needs momentum > 0 and dampening 0");
    }

    /// The momentum buffer (PyTorch's `momentum_buffer`): allocated once, here.
    template <class T, std::size_t R>
    void prepare(parameter<T, R>& p) const {
        if (momentum != 0.0 && p.moments[0].size() != p.value.size())
            p.moments[0] = parameter<T, R>::tensor_type::from_shape(p.value.shape());
    }

    // θ (shape S), g (S), buffer b (S) -> θ updated in place
    template <class T, std::size_t R>
    void update(parameter<T, R>& p) const {
        auto& theta = p.value;
        auto& g = p.grad;
        const T sign = maximize ? T(-1) : T(1);
        const T lr_t = T(lr), wd = T(weight_decay);
        if (momentum == 0.0) {
            // θ ← θ − lr·(±g + λθ)
            if (weight_decay == 0.0)
                xt::noalias(theta) -= (lr_t * sign) * g;
            else
                xt::noalias(theta) -= lr_t * (sign * g + wd * theta);
        } else {
            auto& buf = p.moments[0];
            const T mu = T(momentum), keep = T(1.0 - dampening);
            // b₁ = d; b_t = μ·b + (1−τ)·d, with d = ±g + λθ (no dampening on the first step)
            if (p.steps == 0)
                xt::noalias(buf) = sign * g + wd * theta;
            else
                xt::noalias(buf) = mu * buf + keep * (sign * g + wd * theta);
            if (nesterov)
                xt::noalias(theta) -= lr_t * ((sign * g + wd * theta) + mu * buf);
            else
                xt::noalias(theta) -= lr_t * buf;
        }
        ++p.steps;
    }
};

}  // namespace ctnn::optim
