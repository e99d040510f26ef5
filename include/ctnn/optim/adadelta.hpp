// Adadelta (Zeiler 2012), exactly torch.optim.Adadelta: the step is the gradient scaled by the
// ratio of the root mean squares of past updates and of past gradients, so it carries the units
// of θ and needs no hand-tuned rate (lr = 1 scales it, as in PyTorch).
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#include "ctnn/core/parameter.hpp"
#include "ctnn/detail/optimizer_support.hpp"
#include "ctnn/detail/xtensor.hpp"

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
    //   v ← ρ·v + (1 − ρ)·d²;  Δ = √(u + ε) / √(v + ε) · d;  u ← ρ·u + (1 − ρ)·Δ²;  θ ← θ − lr·Δ
    template <class T, std::size_t R, class D>
    void step(parameter<T, R>& p, const D& d) const {
        const T r = T(rho), keep = T(1.0 - rho), e = T(eps), neg_lr = T(-lr);
        auto& square_avg = p.moments[0];
        auto& acc_delta = p.moments[1];
        auto& delta = p.moments[2];
        xt::noalias(square_avg) = r * square_avg + (keep * d) * d;
        xt::noalias(delta) = xt::sqrt(acc_delta + e) / xt::sqrt(square_avg + e) * d;
        xt::noalias(acc_delta) = r * acc_delta + (keep * delta) * delta;
        xt::noalias(p.value) = p.value + neg_lr * delta;
        ++p.steps;
    }
};

}  // namespace ctnn::optim
