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
#include "ctnn/optim/largest_values.hpp"

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

    /// True only if update(p, s) certainly stays finite for gradients no larger than
    /// gradient_bound (ctnn::optimizer_bounds_its_update): v, Δ and u bounded from the largest
    /// |θ|, v and u, with √(v + ε) >= √ε for ε as a T. False for a negative average (its root
    /// could be NaN) and for NaN anywhere.
    template <class T, std::size_t R>
    bool update_stays_finite(const parameter<T, R>& p, const parameter_state<T, 2>& s,
                             const largest_values<2>& largest, double gradient_bound) const {
        const std::size_t n = p.value.size();
        if (!s.holds(0, n) || !s.holds(1, n) || !largest.non_negative[0] || !largest.non_negative[1]) return false;
        const double theta = largest.value, e = double(T(eps));
        const double rho_t = double(T(rho)), keep = double(T(1.0 - rho));
        const double d = gradient_bound + double(T(weight_decay)) * theta;
        const double v_next = rho_t * largest.buffers[0] + keep * d * d;
        const double u_plus_eps = largest.buffers[1] + e;
        const double delta = std::sqrt(u_plus_eps) / std::sqrt(e) * d;
        const double u_next = rho_t * largest.buffers[1] + keep * delta * delta;
        const double step = double(T(lr)) * delta;
        constexpr double limit = detail::update_bound_limit<T>;
        return e > 0.0 && d <= limit && v_next + e <= limit && u_plus_eps <= limit && delta <= limit
               && u_next <= limit && step <= limit && theta + step <= limit;
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
