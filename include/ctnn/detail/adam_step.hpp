// What optim::adam and optim::adamw share: their settings' domains, their state, and the step
// after their (different) weight decay: torch's _single_tensor_adam / _single_tensor_adamw.
#pragma once

#include <cmath>
#include <cstddef>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/optimizer_support.hpp"
#include "ctnn/detail/xtensor.hpp"

#include <xsimd/xsimd.hpp>

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

/// The factors of one Adam step at step t, with bcᵢ = 1 − βᵢᵗ.
template <class T>
struct adam_factors {
    T sign;           // −1 to maximize
    T decay;          // Adam's L2 term λ (0: none)
    T keep;           // AdamW's decoupled decay 1 − lr·λ (1 for Adam)
    T beta1, beta2, one_minus_beta1, one_minus_beta2;
    T negative_step;  // −lr / bc₁
    T root_bc2;       // √bc₂
    T eps;
};

/// max(a, b) as a select, for an element or a SIMD batch.
template <class T>
T larger(T a, T b) {
    return a > b ? a : b;
}
template <class T>
xsimd::batch<T> larger(const xsimd::batch<T>& a, const xsimd::batch<T>& b) {
    return xsimd::select(a > b, a, b);
}

/// One element, or one SIMD batch of elements (V = T or xsimd::batch<T>), of the step below.
template <class V, class T>
void adam_element(const adam_factors<T>& f, V& theta, V g, V& m, V& v, V* v_max) {
    using std::sqrt;
    using xsimd::sqrt;
    V d = V(f.sign) * g;
    if (f.decay != T(0)) d = d + V(f.decay) * theta;
    m = V(f.beta1) * m + V(f.one_minus_beta1) * d;
    v = V(f.beta2) * v + (V(f.one_minus_beta2) * d) * d;
    V denominator_source = v;
    if (v_max) {
        *v_max = larger(*v_max, v);
        denominator_source = *v_max;
    }
    theta = V(f.keep) * theta + (V(f.negative_step) * m) / (sqrt(denominator_source) / V(f.root_bc2) + V(f.eps));
}

/// The step over n contiguous elements (v_max null without AMSGrad). One instantiation per
/// scalar type, whatever the tensor's rank or the optimizer's options: written as xtensor
/// assignments it was instantiated per rank, per gradient expression and per AMSGrad branch,
/// which doubled the seed example's compile time with Adam (W5).
template <class T>
void adam_kernel(const adam_factors<T>& f, T* theta, const T* g, T* m, T* v, T* v_max, std::size_t n) {
    using V = xsimd::batch<T>;
    constexpr std::size_t width = V::size;
    std::size_t i = 0;
    for (; i + width <= n; i += width) {
        V t = V::load_unaligned(theta + i), mi = V::load_unaligned(m + i), vi = V::load_unaligned(v + i);
        V vmax_i = v_max ? V::load_unaligned(v_max + i) : V(T(0));
        adam_element(f, t, V::load_unaligned(g + i), mi, vi, v_max ? &vmax_i : nullptr);
        t.store_unaligned(theta + i);
        mi.store_unaligned(m + i);
        vi.store_unaligned(v + i);
        if (v_max) vmax_i.store_unaligned(v_max + i);
    }
    for (; i < n; ++i) adam_element(f, theta[i], g[i], m[i], v[i], v_max ? v_max + i : nullptr);
}

/// torch's step on one tensor: d = ±g + λθ (Adam's L2 term; `decay` = 0 for AdamW), then
///   m ← β₁·m + (1 − β₁)·d;  v ← β₂·v + (1 − β₂)·d²;  v̂ ← max(v̂, v) with AMSGrad, else v̂ = v
///   θ ← keep·θ − (lr / bc₁)·m / (√v̂ / √bc₂ + ε)      (ε outside the root, not scaled by √bc₂)
/// where keep is AdamW's decoupled decay 1 − lr·λ (1 for Adam).
template <class Settings, class T, std::size_t R>
void adam_step(const Settings& s, parameter<T, R>& p, T decay, T keep) {
    const double t = double(p.steps + 1);
    const adam_factors<T> f{T(s.maximize ? -1 : 1),
                            decay,
                            keep,
                            T(s.beta1),
                            T(s.beta2),
                            T(1.0 - s.beta1),
                            T(1.0 - s.beta2),
                            T(-(s.lr / (1.0 - std::pow(s.beta1, t)))),
                            T(std::sqrt(1.0 - std::pow(s.beta2, t))),
                            T(s.eps)};
    adam_kernel(f, p.value.data(), p.grad.data(), p.moments[0].data(), p.moments[1].data(),
                s.amsgrad ? p.moments[2].data() : nullptr, p.value.size());
    ++p.steps;
}

}  // namespace ctnn::detail
