// What optim::adam and optim::adamw share: their settings' domains, their state, and the step
// after their (different) weight decay: torch's _single_tensor_adam / _single_tensor_adamw.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <string_view>

#include <xsimd/xsimd.hpp>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/elementwise_update.hpp"
#include "ctnn/detail/optimizer_support.hpp"
#include "ctnn/optim/largest_values.hpp"

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

/// The state Adam, AdamW and NAdam keep: buffers[0] m (PyTorch's `exp_avg`), buffers[1] v
/// (`exp_avg_sq`), buffers[2] the largest v so far (`max_exp_avg_sq`, AMSGrad only).
inline constexpr std::array<std::string_view, 3> adam_state_names{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

/// m and v, and with AMSGrad the largest v: allocated once, at zero.
template <class T, std::size_t R>
void prepare_adam_state(const parameter<T, R>& p, optim::parameter_state<T, 3>& s, bool amsgrad) {
    allocate_state(s, 0, p.size(), T(0));
    allocate_state(s, 1, p.size(), T(0));
    if (amsgrad) allocate_state(s, 2, p.size(), T(0));
}

/// One Adam step on an element or a SIMD batch (V), at step t with bcᵢ = 1 − βᵢᵗ; s = m, v, v̂:
///   m ← β₁·m + (1 − β₁)·d;  v ← β₂·v + (1 − β₂)·d²;  v̂ ← max(v̂, v) with AMSGrad, else v̂ = v
///   θ ← keep·θ − (lr / bc₁)·m / (√v̂ / √bc₂ + ε)      (ε outside the root, not scaled by √bc₂)
/// where keep is AdamW's decoupled decay 1 − lr·λ (1 for Adam).
template <class T>
struct adam_element_step {
    T keep;
    T beta1, beta2, one_minus_beta1, one_minus_beta2;
    T negative_step;  // −lr / bc₁
    T root_bc2;       // √bc₂
    T eps;
    bool amsgrad;

    template <class V>
    void operator()(V& theta, V d, std::array<V, 3>& s) const {
        using std::sqrt;
        using xsimd::sqrt;
        V& m = s[0];
        V& v = s[1];
        m = V(beta1) * m + V(one_minus_beta1) * d;
        v = V(beta2) * v + (V(one_minus_beta2) * d) * d;
        if (amsgrad) s[2] = larger(s[2], v);
        theta = V(keep) * theta + (V(negative_step) * m) / (sqrt(amsgrad ? s[2] : v) / V(root_bc2) + V(eps));
    }
};

/// torch's step on one tensor, d = ±g + λθ: `decay` is Adam's L2 term λ (0 for AdamW), `keep`
/// AdamW's decoupled decay (1 for Adam).
template <class Settings, class T, std::size_t R>
void adam_step(const Settings& s, parameter<T, R>& p, optim::parameter_state<T, 3>& state, T decay, T keep) {
    const double t = double(state.steps + 1);
    const adam_element_step<T> step{keep,
                                    T(s.beta1),
                                    T(s.beta2),
                                    T(1.0 - s.beta1),
                                    T(1.0 - s.beta2),
                                    T(-(s.lr / (1.0 - std::pow(s.beta1, t)))),
                                    T(std::sqrt(1.0 - std::pow(s.beta2, t))),
                                    T(s.eps),
                                    s.amsgrad};
    update_parameter<3>(step, p, state, {true, true, s.amsgrad}, T(s.maximize ? -1 : 1), decay);
    ++state.steps;
}

/// Whether adam_step(s, p, state, decay, keep) certainly writes finite values when every
/// |g| <= gradient_bound: each quantity the step forms is bounded from the largest |θ|, m, v
/// (and v̂) as they are now, with the constants as the step converts them to T and ε as the
/// least divisor (√v̂ ≥ 0: false if a v is negative); a margin of 8 covers T's rounding.
/// False for NaN anywhere.
template <class Settings, class T, std::size_t R>
bool adam_update_stays_finite(const Settings& s, const parameter<T, R>& p, const optim::parameter_state<T, 3>& state,
                              const optim::largest_values<3>& largest, double gradient_bound, T decay, T keep) {
    const std::size_t n = p.value.size();
    if (!state.holds(0, n) || !state.holds(1, n) || (s.amsgrad && !state.holds(2, n))) return false;
    // a negative v (written by hand) would have no root
    if (!largest.non_negative[1] || (s.amsgrad && !largest.non_negative[2])) return false;
    const double theta = largest.value, m = largest.buffers[0], v = largest.buffers[1];
    const double v_max = s.amsgrad ? largest.buffers[2] : 0.0;
    const double t = double(state.steps + 1);
    const double step_scale = std::abs(double(T(s.lr / (1.0 - std::pow(s.beta1, t)))));
    const double d = gradient_bound + std::abs(double(decay)) * theta;
    const double m_next = double(T(s.beta1)) * m + double(T(1.0 - s.beta1)) * d;
    const double v_next = std::max(v_max, double(T(s.beta2)) * v + double(T(1.0 - s.beta2)) * d * d);
    const double step = step_scale * m_next / double(T(s.eps));
    const double theta_next = std::abs(double(keep)) * theta + step;
    constexpr double limit = update_bound_limit<T>;
    return d <= limit && m_next <= limit && v_next <= limit && step_scale * m_next <= limit && step <= limit
           && theta_next <= limit;
}

}  // namespace ctnn::detail
