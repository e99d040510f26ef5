// NAdam (Dozat 2016), torch.optim.NAdam's update: Adam with Nesterov momentum, whose momentum
// coefficient μₜ warms up with a schedule (momentum_decay) and whose bias correction uses the
// product of the μ so far (kept per parameter in its state's `product`, PyTorch's `mu_product`).
//
// PyTorch 1.13's default (single-tensor) NAdam multiplies the next step's μ product by μₜ twice;
// PyTorch fixed it in 2.0 (pytorch/pytorch#92699) and 1.13's foreach path was already right.
// ctnn implements the corrected formula. torch 1.13's NAdam has no `maximize`: ctnn adds it as
// the other optimizers do (the gradient is negated first), so maximizing L follows exactly the
// trajectory of minimizing −L.
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

    /// PyTorch's state keys: m and v. The μ product is the state's `product` (1 before the
    /// first step).
    static constexpr std::array<std::string_view, 2> state_names{"exp_avg", "exp_avg_sq"};

    /// m and v, allocated once, here, at zero.
    template <class T, std::size_t R>
    void prepare(const parameter<T, R>& p, parameter_state<T, 2>& s) const {
        detail::allocate_state(s, 0, p.size(), T(0));
        detail::allocate_state(s, 1, p.size(), T(0));
    }

    // θ (shape S), g (S), m, v (S each) -> all updated in place
    // At step t, with Πₜ = μ₁⋯μₜ and bc₂ = 1 − β₂ᵗ, d = ±g + λθ:
    //   m ← β₁·m + (1 − β₁)·d;  v ← β₂·v + (1 − β₂)·d²;  D = √v / √bc₂ + ε
    //   θ ← θ − lr(1 − μₜ)/(1 − Πₜ) · d/D − lr·μₜ₊₁/(1 − Πₜμₜ₊₁) · m/D
    template <class T, std::size_t R>
    void update(parameter<T, R>& p, parameter_state<T, 2>& s) const {
        const double t = double(s.steps + 1);
        const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * momentum_decay));
        const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * momentum_decay));
        s.product *= mu;
        const element_step<T> step{T(-(lr * (1.0 - mu) / (1.0 - s.product))),
                                   T(-(lr * mu_next / (1.0 - s.product * mu_next))),
                                   T(beta1),
                                   T(beta2),
                                   T(1.0 - beta1),
                                   T(1.0 - beta2),
                                   T(std::sqrt(1.0 - std::pow(beta2, t))),
                                   T(eps)};
        detail::update_parameter<2>(step, p, s, {true, true}, T(maximize ? -1 : 1), T(weight_decay));
        ++s.steps;
    }

    /// True only if update(p, s) certainly stays finite for gradients no larger than
    /// gradient_bound (ctnn::optimizer_bounds_its_update): m, v and both terms of the step bounded
    /// from the largest |θ|, m and v with the coefficients update would form now (as T), each
    /// term divided by at least ε as a T. False for a negative v and for NaN anywhere (the μ
    /// product included).
    template <class T, std::size_t R>
    bool update_stays_finite(const parameter<T, R>& p, const parameter_state<T, 2>& s,
                             const largest_values<2>& largest, double gradient_bound) const {
        const std::size_t n = p.value.size();
        if (!s.holds(0, n) || !s.holds(1, n) || !largest.non_negative[1]) return false;
        const double t = double(s.steps + 1);
        const double mu = beta1 * (1.0 - 0.5 * std::pow(0.96, t * momentum_decay));
        const double mu_next = beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * momentum_decay));
        const double product = s.product * mu;
        const double on_gradient = std::abs(double(T(lr * (1.0 - mu) / (1.0 - product))));
        const double on_momentum = std::abs(double(T(lr * mu_next / (1.0 - product * mu_next))));
        const double theta = largest.value, divisor = double(T(eps));
        const double d = gradient_bound + double(T(weight_decay)) * theta;
        const double m_next = double(T(beta1)) * largest.buffers[0] + double(T(1.0 - beta1)) * d;
        const double v_next = double(T(beta2)) * largest.buffers[1] + double(T(1.0 - beta2)) * d * d;
        const double step = (on_gradient * d + on_momentum * m_next) / divisor;
        constexpr double limit = detail::update_bound_limit<T>;
        return divisor > 0.0 && on_gradient <= limit && on_momentum <= limit && d <= limit && m_next <= limit
               && v_next <= limit && on_gradient * d <= limit && on_momentum * m_next <= limit && step <= limit
               && theta + step <= limit;
    }

private:
    template <class T>
    struct element_step {
        T on_gradient, on_momentum, beta1, beta2, one_minus_beta1, one_minus_beta2, root_bc2, eps;

        template <class V>
        void operator()(V& theta, V d, std::array<V, 2>& s) const {
            using std::sqrt;
            using xsimd::sqrt;
            s[0] = V(beta1) * s[0] + V(one_minus_beta1) * d;
            s[1] = V(beta2) * s[1] + (V(one_minus_beta2) * d) * d;
            const V denominator = sqrt(s[1]) / V(root_bc2) + V(eps);
            theta = theta + (V(on_gradient) * d) / denominator + (V(on_momentum) * s[0]) / denominator;
        }
    };
};

}  // namespace ctnn::optim
