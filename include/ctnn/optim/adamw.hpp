// AdamW, exactly torch.optim.AdamW (Loshchilov & Hutter): Adam whose weight decay shrinks the
// weights directly, θ ← θ(1 − lr·λ), instead of entering the gradient and being rescaled by the
// adaptive denominator. On by default (λ = 0.01), as in PyTorch.
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/adam_step.hpp"

namespace ctnn::optim {

struct adamw {
    static constexpr std::string_view name = "adamw";

    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    /// Decoupled decay λ: θ ← θ(1 − lr·λ) before the Adam step.
    double weight_decay = 1e-2;
    bool amsgrad = false;
    /// Ascend the objective instead of descending it (the decay still shrinks θ).
    bool maximize = false;

    void validate() const { detail::check_adam_settings(*this); }

    /// moments[0] = m, moments[1] = v, moments[2] = max v (AMSGrad): allocated once, here.
    template <class T, std::size_t R>
    void prepare(parameter<T, R>& p) const {
        detail::prepare_adam_state(p, amsgrad);
    }

    // θ (shape S), g (S), m, v, max v (S each) -> all updated in place
    template <class T, std::size_t R>
    void update(parameter<T, R>& p) const {
        detail::adam_step(*this, p, T(0), T(1.0 - lr * weight_decay));
    }
};

}  // namespace ctnn::optim
