// RMSprop, exactly torch.optim.RMSprop: the step is divided by the root of a running average of
// squared gradients (Hinton's lecture 6e); optionally centered (divided by a running estimate of
// the gradient's standard deviation instead) and with momentum on the divided gradient.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/optimizer_support.hpp"
#include "ctnn/detail/xtensor.hpp"

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

    /// moments[0]: the average of squared gradients (PyTorch's `square_avg`); moments[1]: the
    /// average gradient (`grad_avg`), if centered; moments[2]: the momentum buffer, if
    /// momentum > 0. Allocated once, here, at zero.
    template <class T, std::size_t R>
    void prepare(parameter<T, R>& p) const {
        detail::allocate_state(p.moments[0], p.value, T(0));
        if (centered) detail::allocate_state(p.moments[1], p.value, T(0));
        if (momentum > 0.0) detail::allocate_state(p.moments[2], p.value, T(0));
    }

    // θ (shape S), g (S), state (S each) -> θ and state updated in place
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
    template <class T, std::size_t R, class D>
    void step(parameter<T, R>& p, const D& d) const {
        const T a = T(alpha), keep = T(1.0 - alpha), e = T(eps);
        auto& square_avg = p.moments[0];
        // v ← α·v + (1 − α)·d²
        xt::noalias(square_avg) = a * square_avg + (keep * d) * d;
        if (centered) {
            // ḡ ← α·ḡ + (1 − α)·d;  divide by √(v − ḡ²) + ε
            auto& grad_avg = p.moments[1];
            xt::noalias(grad_avg) = a * grad_avg + keep * d;
            descend(p, d, xt::sqrt(square_avg - grad_avg * grad_avg) + e);
        } else {
            descend(p, d, xt::sqrt(square_avg) + e);
        }
        ++p.steps;
    }

    // d (S), divisor (S) -> θ updated, through the momentum buffer b if momentum > 0
    template <class T, std::size_t R, class D, class Divisor>
    void descend(parameter<T, R>& p, const D& d, const Divisor& divisor) const {
        const T neg_lr = T(-lr);
        if (momentum > 0.0) {
            // b ← μ·b + d / divisor;  θ ← θ − lr·b  (b holds the divided gradient, not lr times it)
            auto& buf = p.moments[2];
            xt::noalias(buf) = T(momentum) * buf + d / divisor;
            xt::noalias(p.value) = p.value + neg_lr * buf;
        } else {
            // θ ← θ − lr·d / divisor
            xt::noalias(p.value) = p.value + (neg_lr * d) / divisor;
        }
    }
};

}  // namespace ctnn::optim
