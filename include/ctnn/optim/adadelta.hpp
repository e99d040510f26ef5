// Adadelta (Zeiler 2012), exactly torch.optim.Adadelta: the step is the gradient scaled by the
// ratio of the root mean squares of past updates and of past gradients, so it carries the units
// of θ and needs no hand-tuned rate (lr = 1 scales it, as in PyTorch).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/elementwise_update.hpp"
#include "ctnn/detail/optimizer_support.hpp"

namespace ctnn::optim {

struct adadelta {
    static constexpr std::string_view name = "adadelta";

    double lr = 1.0;
    /// Smoothing constant of both running averages.
    double rho = 0.9;
    double eps = 1e-6;
    double weight_decay = 0.0;
    /// Ascend the objective instead of descending it.
    bool maximize = false;

    void validate() const {
        detail::require_setting(detail::finite_non_negative(lr), name, "a finite lr >= 0", lr);
        detail::require_setting(rho >= 0.0 && rho <= 1.0, name, "0 <= rho <= 1", rho);
        detail::require_setting(std::isfinite(eps) && eps > 0.0, name, "a finite eps > 0", eps);
        detail::require_setting(detail::finite_non_negative(weight_decay), name, "a finite weight_decay >= 0",
                                weight_decay);
    }

    /// moments[0]: the average of squared gradients (PyTorch's `square_avg`); moments[1]: the
    /// average of squared updates (`acc_delta`); moments[2]: this step's update Δ, a work
    /// buffer: Δ reads the old update average and the old θ (through weight decay) and both are
    /// rewritten from it, so it cannot stay a lazy expression. Allocated once, here.
    template <class T, std::size_t R>
    void prepare(parameter<T, R>& p) const {
        detail::allocate_state(p.moments[0], p.value, T(0));
        detail::allocate_state(p.moments[1], p.value, T(0));
        detail::allocate_state(p.moments[2], p.value, T(0));
    }

    // θ (shape S), g (S), state (S each) -> θ and state updated in place
    // d = ±g + λθ;  v ← ρ·v + (1 − ρ)·d²;  Δ = √(u + ε) / √(v + ε) · d;  u ← ρ·u + (1 − ρ)·Δ²;
    // θ ← θ − lr·Δ  (s = v, u, Δ: the last step's Δ is kept in moments[2])
    template <class T, std::size_t R>
    void update(parameter<T, R>& p) const {
        const element_step<T> step{T(rho), T(1.0 - rho), T(eps), T(-lr)};
        detail::update_parameter<3>(step, p, {true, true, true}, T(maximize ? -1 : 1), T(weight_decay));
        ++p.steps;
    }

private:
    template <class T>
    struct element_step {
        T rho, one_minus_rho, eps, negative_lr;

        template <class V>
        void operator()(V& theta, V d, std::array<V, 3>& s) const {
            using std::sqrt;
            using xsimd::sqrt;
            s[0] = V(rho) * s[0] + (V(one_minus_rho) * d) * d;
            s[2] = sqrt(s[1] + V(eps)) / sqrt(s[0] + V(eps)) * d;
            s[1] = V(rho) * s[1] + (V(one_minus_rho) * s[2]) * s[2];
            theta = theta + V(negative_lr) * s[2];
        }
    };
};

}  // namespace ctnn::optim
