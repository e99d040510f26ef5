// Adadelta (Zeiler 2012), exactly torch.optim.Adadelta: the step is the gradient scaled by the
// ratio of the root mean squares of past updates and of past gradients, so it carries the units
// of θ and needs no hand-tuned rate (lr = 1 scales it, as in PyTorch).
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "ctnn/core/parameter.hpp"
#include "ctnn/optim/parameter_state.hpp"
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

    /// PyTorch's state keys: the average of squared gradients and of squared updates.
    static constexpr std::array<std::string_view, 2> state_names{"square_avg", "acc_delta"};

    /// Both averages, allocated once, here, at zero.
    template <class T, std::size_t R>
    void prepare(const parameter<T, R>& p, parameter_state<T, 2>& s) const {
        detail::allocate_state(s, 0, p.size(), T(0));
        detail::allocate_state(s, 1, p.size(), T(0));
    }

    // θ (shape S), g (S), state (S each) -> θ and state updated in place
    // d = ±g + λθ;  v ← ρ·v + (1 − ρ)·d²;  Δ = √(u + ε) / √(v + ε) · d;  u ← ρ·u + (1 − ρ)·Δ²;
    // θ ← θ − lr·Δ  (s = v, u)
    template <class T, std::size_t R>
    void update(parameter<T, R>& p, parameter_state<T, 2>& s) const {
        const element_step<T> step{T(rho), T(1.0 - rho), T(eps), T(-lr)};
        detail::update_parameter<2>(step, p, s, {true, true}, T(maximize ? -1 : 1), T(weight_decay));
        ++s.steps;
    }

private:
    template <class T>
    struct element_step {
        T rho, one_minus_rho, eps, negative_lr;

        template <class V>
        void operator()(V& theta, V d, std::array<V, 2>& s) const {
            using std::sqrt;
            using xsimd::sqrt;
            s[0] = V(rho) * s[0] + (V(one_minus_rho) * d) * d;
            const V delta = sqrt(s[1] + V(eps)) / sqrt(s[0] + V(eps)) * d;
            s[1] = V(rho) * s[1] + (V(one_minus_rho) * delta) * delta;
            theta = theta + V(negative_lr) * delta;
        }
    };
};

}  // namespace ctnn::optim
