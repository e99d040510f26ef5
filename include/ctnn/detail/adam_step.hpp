// What optim::adam and optim::adamw share: their settings' domains, their state, and the step
// after their (different) weight decay: torch's _single_tensor_adam / _single_tensor_adamw.
#pragma once

#include <cmath>
#include <cstddef>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/optimizer_support.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::detail {

/// Refuses what torch.optim.Adam and AdamW refuse: lr, eps or weight_decay < 0, a beta outside
/// [0, 1). `Settings` is optim::adam or optim::adamw.
template <class Settings>
void check_adam_settings(const Settings& s) {
    require_setting(finite_non_negative(s.lr), Settings::name, "a finite lr >= 0", s.lr);
    require_setting(std::isfinite(s.eps) && s.eps > 0.0, Settings::name, "a finite eps > 0", s.eps);
    require_setting(s.beta1 >= 0.0 && s.beta1 < 1.0, Settings::name, "0 <= beta1 < 1", s.beta1);
    require_setting(s.beta2 >= 0.0 && s.beta2 < 1.0, Settings::name, "0 <= beta2 < 1", s.beta2);
    require_setting(finite_non_negative(s.weight_decay), Settings::name, "a finite weight_decay >= 0",
                    s.weight_decay);
}

/// moments[0]: m (PyTorch's `exp_avg`); moments[1]: v (`exp_avg_sq`); moments[2]: the largest
/// v so far (`max_exp_avg_sq`), with AMSGrad only. Allocated once, at zero.
template <class T, std::size_t R>
void prepare_adam_state(parameter<T, R>& p, bool amsgrad) {
    allocate_state(p.moments[0], p.value, T(0));
    allocate_state(p.moments[1], p.value, T(0));
    if (amsgrad) allocate_state(p.moments[2], p.value, T(0));
}

/// d (shape S): the gradient after maximize and Adam's L2 term; keep: AdamW's decay factor
/// 1 − lr·λ (1 for Adam). At step t, with bcᵢ = 1 − βᵢᵗ:
///   m ← β₁·m + (1 − β₁)·d;  v ← β₂·v + (1 − β₂)·d²;  v̂ ← max(v̂, v) with AMSGrad, else v̂ = v
///   θ ← keep·θ − (lr / bc₁)·m / (√v̂ / √bc₂ + ε)      (ε outside the root, not scaled by √bc₂)
template <class Settings, class T, std::size_t R, class D>
void adam_step(const Settings& s, parameter<T, R>& p, const D& d, T keep) {
    const double t = double(p.steps + 1);
    const T b1 = T(s.beta1), b2 = T(s.beta2), keep1 = T(1.0 - s.beta1), keep2 = T(1.0 - s.beta2);
    const T neg_step_size = T(-(s.lr / (1.0 - std::pow(s.beta1, t))));
    const T bc2_sqrt = T(std::sqrt(1.0 - std::pow(s.beta2, t))), e = T(s.eps);
    auto& m = p.moments[0];
    auto& v = p.moments[1];
    xt::noalias(m) = b1 * m + keep1 * d;
    xt::noalias(v) = b2 * v + (keep2 * d) * d;
    if (s.amsgrad) {
        auto& v_max = p.moments[2];
        // max(v̂, v) as a select: xt::maximum has no SIMD path in xtensor 0.24, xt::where has
        xt::noalias(v_max) = xt::where(v_max > v, v_max, v);
        xt::noalias(p.value) = keep * p.value + (neg_step_size * m) / (xt::sqrt(v_max) / bc2_sqrt + e);
    } else {
        xt::noalias(p.value) = keep * p.value + (neg_step_size * m) / (xt::sqrt(v) / bc2_sqrt + e);
    }
    ++p.steps;
}

}  // namespace ctnn::detail
