// RMSprop, exactly torch.optim.RMSprop: the step is divided by the root of a running average of
// squared gradients (Hinton's lecture 6e); optionally centered (divided by a running estimate of
// the gradient's standard deviation instead) and with momentum on the divided gradient.
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

struct rmsprop {
    static constexpr std::string_view name = "rmsprop";

    double lr = 0.01;
    /// Smoothing constant of the running averages.
    double alpha = 0.99;
    double eps = 1e-8;
    double weight_decay = 0.0;
    double momentum = 0.0;
    /// Divide by √(E[g²] − E[g]²) rather than √E[g²].
    bool centered = false;
    /// Ascend the objective instead of descending it.
    bool maximize = false;

    void validate() const {
        detail::require_setting(detail::finite_non_negative(lr), name, "a finite lr >= 0", lr);
        // PyTorch only asks alpha >= 0; above 1 the "average" has a negative weight and the
        // square root turns NaN, so ctnn refuses it.
        detail::require_setting(alpha >= 0.0 && alpha <= 1.0, name, "0 <= alpha <= 1", alpha);
        detail::require_setting(std::isfinite(eps) && eps > 0.0, name, "a finite eps > 0", eps);
        detail::require_setting(detail::finite_non_negative(weight_decay), name, "a finite weight_decay >= 0",
                                weight_decay);
        detail::require_setting(detail::finite_non_negative(momentum), name, "a finite momentum >= 0", momentum);
    }

    /// PyTorch's state keys: the average of squared gradients; the average gradient (centered
    /// only); the momentum buffer (momentum > 0 only).
    static constexpr std::array<std::string_view, 3> state_names{"square_avg", "grad_avg", "momentum_buffer"};

    /// The buffers these settings use, allocated once, here, at zero.
    template <class T, std::size_t R>
    void prepare(const parameter<T, R>& p, parameter_state<T, 3>& s) const {
        detail::allocate_state(s, 0, p.size(), T(0));
        if (centered) detail::allocate_state(s, 1, p.size(), T(0));
        if (momentum > 0.0) detail::allocate_state(s, 2, p.size(), T(0));
    }

    // θ (shape S), g (S), state (S each) -> θ and state updated in place
    template <class T, std::size_t R>
    void update(parameter<T, R>& p, parameter_state<T, 3>& s) const {
        const element_step<T> step{T(alpha), T(1.0 - alpha), T(eps), T(-lr), T(momentum), centered, momentum > 0.0};
        detail::update_parameter<3>(step, p, s, {true, centered, momentum > 0.0}, T(maximize ? -1 : 1),
                                    T(weight_decay));
        ++s.steps;
    }

    /// Whether update_stays_finite can be true with these settings: not when centered (v − ḡ²
    /// can round below zero, and its root is NaN), so the trainer need not read the largest values.
    bool can_bound_update() const noexcept { return !centered; }

    /// True only if update(p, s) certainly stays finite for gradients no larger than
    /// gradient_bound (ctnn::optimizer_bounds_its_update): v and the divided step bounded from
    /// the largest |θ|, v and b, the divisor by ε as a T. False when centered, for a negative v
    /// and for NaN anywhere.
    template <class T, std::size_t R>
    bool update_stays_finite(const parameter<T, R>& p, const parameter_state<T, 3>& s,
                             const largest_values<3>& largest, double gradient_bound) const {
        const std::size_t n = p.value.size();
        const bool with_momentum = momentum > 0.0;
        if (centered || !s.holds(0, n) || (with_momentum && !s.holds(2, n)) || !largest.non_negative[0]) return false;
        const double theta = largest.value, divisor = double(T(eps));
        const double d = gradient_bound + double(T(weight_decay)) * theta;
        const double v_next = double(T(alpha)) * largest.buffers[0] + double(T(1.0 - alpha)) * d * d;
        const double quotient = d / divisor;  // |d| / (√v + ε) with √v >= 0
        const double b_next = with_momentum ? double(T(momentum)) * largest.buffers[2] + quotient : 0.0;
        const double numerator = double(T(lr)) * (with_momentum ? b_next : d);
        const double step = with_momentum ? numerator : numerator / divisor;
        constexpr double limit = detail::update_bound_limit<T>;
        return divisor > 0.0 && d <= limit && v_next <= limit && quotient <= limit && b_next <= limit
               && numerator <= limit && step <= limit && theta + step <= limit;
    }

private:
    /// d = ±g + λθ; s = v, ḡ, b:
    ///   v ← α·v + (1 − α)·d²;  centered: ḡ ← α·ḡ + (1 − α)·d, divisor √(v − ḡ²) + ε, else √v + ε
    ///   momentum: b ← μ·b + d / divisor, θ ← θ − lr·b (b holds the divided gradient, not lr times
    ///   it); else θ ← θ − lr·d / divisor
    template <class T>
    struct element_step {
        T alpha, one_minus_alpha, eps, negative_lr, momentum;
        bool centered, with_momentum;

        template <class V>
        void operator()(V& theta, V d, std::array<V, 3>& s) const {
            using std::sqrt;
            using xsimd::sqrt;
            s[0] = V(alpha) * s[0] + (V(one_minus_alpha) * d) * d;
            if (centered) s[1] = V(alpha) * s[1] + V(one_minus_alpha) * d;
            const V divisor = (centered ? sqrt(s[0] - s[1] * s[1]) : sqrt(s[0])) + V(eps);
            if (with_momentum) {
                s[2] = V(momentum) * s[2] + d / divisor;
                theta = theta + V(negative_lr) * s[2];
            } else {
                theta = theta + (V(negative_lr) * d) / divisor;
            }
        }
    };
};

}  // namespace ctnn::optim
