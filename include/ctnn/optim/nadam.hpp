// NAdam (Dozat 2016), torch.optim.NAdam's update: Adam with Nesterov momentum, whose momentum
// coefficient μₜ warms up with a schedule (momentum_decay) and whose bias correction uses the
// product of the μ so far (kept per tensor in parameter::product).
//
// PyTorch 1.13's default (single-tensor) NAdam multiplies the next step's μ product by μₜ twice;
// PyTorch fixed it in 2.0 (pytorch/pytorch#92699) and 1.13's foreach path was already right.
// ctnn implements the corrected formula. torch 1.13's NAdam has no `maximize`: ctnn adds it as
// the other optimizers do (the gradient is negated first), so maximizing L follows exactly the
// trajectory of minimizing −L.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/optimizer_support.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::optim {

struct nadam {
    static constexpr std::string_view name = "nadam";

    double lr = 2e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    /// L2 penalty λ: g ← g + λθ before the moments.
    double weight_decay = 0.0;
    /// ψ in μₜ = β₁(1 − ½·0.96^(t·ψ)).
    double momentum_decay = 4e-3;
    /// Ascend the objective instead of descending it.
    bool maximize = false;

    void validate() const {
        detail::require_setting(detail::finite_non_negative(lr), name, "a finite lr >= 0", lr);
        detail::require_setting(std::isfinite(eps) && eps > 0.0, name, "a finite eps > 0", eps);
        detail::require_setting(beta1 >= 0.0 && beta1 < 1.0, name, "0 <= beta1 < 1", beta1);
        detail::require_setting(beta2 >= 0.0 && beta2 < 1.0, name, "0 <= beta2 < 1", beta2);
        detail::require_setting(detail::finite_non_negative(weight_decay), name, "a finite weight_decay >= 0",
                                weight_decay);
        detail::require_setting(detail::finite_non_negative(momentum_decay), name,
                                "a finite momentum_decay >= 0", momentum_decay);
    }

    /// moments[0] = m (PyTorch's `exp_avg`), moments[1] = v (`exp_avg_sq`): allocated once,
    /// here, at zero. The μ product lives in parameter::product (1 before the first step).
    template <class T, std::size_t R>
    void prepare(parameter<T, R>& p) const {
        detail::allocate_state(p.moments[0], p.value, T(0));
        detail::allocate_state(p.moments[1], p.value, T(0));
    }

    // θ (shape S), g (S), m, v (S each) -> all updated in place
    template <class T, std::size_t R>
    void update(parameter<T, R>& p) const {
        const T sign = maximize ? T(-1) : T(1);
        // d = ±g + λθ, as an expression: nothing is allocated
        if (weight_decay == 0.0)
            step(p, sign * p.grad);
        else
            step(p, sign * p.grad + T(weight_decay) * p.value);
    }

private:
    // At step t, with Πₜ = μ₁⋯μₜ and bc₂ = 1 − β₂ᵗ:
    //   m ← β₁·m + (1 − β₁)·d;  v ← β₂·v + (1 − β₂)·d²;  D = √v / √bc₂ + ε
    //   θ ← θ − lr(1 − μₜ)/(1 − Πₜ) · d/D − lr·μₜ₊₁/(1 − Πₜμₜ₊₁) · m/D
    template <class T, std::size_t R, class D>
    void step(parameter<T, R>& p, const D& d) const {
        const double t = double(p.steps + 1);
        const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * momentum_decay));
        const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * momentum_decay));
        p.product *= mu;
        const T on_gradient = T(-(lr * (1.0 - mu) / (1.0 - p.product)));
        const T on_momentum = T(-(lr * mu_next / (1.0 - p.product * mu_next)));
        const T b1 = T(beta1), b2 = T(beta2), keep1 = T(1.0 - beta1), keep2 = T(1.0 - beta2);
        const T bc2_sqrt = T(std::sqrt(1.0 - std::pow(beta2, t))), e = T(eps);
        auto& m = p.moments[0];
        auto& v = p.moments[1];
        xt::noalias(m) = b1 * m + keep1 * d;
        xt::noalias(v) = b2 * v + (keep2 * d) * d;
        // D is an expression, evaluated per element where it is used: no work buffer
        const auto denominator = xt::sqrt(v) / bc2_sqrt + e;
        xt::noalias(p.value) =
            p.value + (on_gradient * d) / denominator + (on_momentum * m) / denominator;
        ++p.steps;
    }
};

}  // namespace ctnn::optim
