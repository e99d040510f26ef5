// Stochastic gradient descent, exactly torch.optim.SGD (momentum, dampening, Nesterov, weight
// decay, maximize). With maximize it is gradient ascent.
#pragma once

#include <array>
#include <cmath>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/core/parameter.hpp"
#include "ctnn/optim/largest_values.hpp"
#include "ctnn/optim/parameter_state.hpp"
#include "ctnn/optim/folded_step.hpp"
#include "ctnn/detail/message.hpp"
#include "ctnn/detail/optimizer_support.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::optim {

struct sgd {
    static constexpr std::string_view name = "sgd";

    double lr = 0.01;
    double momentum = 0.0;
    double dampening = 0.0;
    double weight_decay = 0.0;
    bool nesterov = false;
    /// Ascend the objective instead of descending it.
    bool maximize = false;

    void validate() const {
        // %g: -1e-07, not -0.000000; detail::format_message compiles less than std::string.
        const auto refuse = [](const char* format, double value) {
            throw invalid_argument(detail::format_message(format, detail::message_number(value)).c_str());
        };
        if (!detail::finite_non_negative(lr)) refuse("ctnn: sgd needs a finite lr >= 0, got %g", lr);
        if (!detail::finite_non_negative(momentum)) refuse("ctnn: sgd needs a finite momentum >= 0, got %g", momentum);
        if (!detail::finite_non_negative(weight_decay))
            refuse("ctnn: sgd needs a finite weight_decay >= 0, got %g", weight_decay);
        if (!std::isfinite(dampening)) refuse("ctnn: sgd needs a finite dampening, got %g", dampening);
        if (nesterov && (momentum <= 0.0 || dampening != 0.0))
            throw invalid_argument("ctnn: sgd with nesterov needs momentum > 0 and dampening 0");
    }

    /// PyTorch's state key: the momentum buffer (momentum != 0 only).
    static constexpr std::array<std::string_view, 1> state_names{"momentum_buffer"};

    /// Nothing: the momentum buffer is made by the first update with momentum, as torch's is
    /// (None until then, b = d at that step: also when momentum is switched on mid-run).
    template <class T, std::size_t R>
    void prepare(const parameter<T, R>&, parameter_state<T, 1>&) const {}

    /// Plain SGD (no weight decay, no Nesterov) folds into a layer's weight-gradient product.
    bool folds() const noexcept { return weight_decay == 0.0 && !nesterov; }
    folded_step folded() const noexcept { return {lr, momentum, dampening, maximize}; }

    // θ (shape S), g (S), buffer b (S) -> θ updated in place
    template <class T, std::size_t R>
    void update(parameter<T, R>& p, parameter_state<T, 1>& s) const {
        const bool first = momentum != 0.0 && detail::start_state(s, 0, p.size());  // torch's buf is None
        step(p.value.data(), p.grad.data(), momentum == 0.0 ? nullptr : s.buffers[0].data(), p.value.size(),
             first);
        ++s.steps;
    }

    /// True only if update(p, s) certainly stays finite for gradients no larger than
    /// gradient_bound (ctnn::optimizer_bounds_its_update): the step's terms bounded from the
    /// largest |θ| and |b| as they are now, with the settings as the step converts them to T and
    /// a margin of 8 for T's rounding. False for NaN anywhere.
    template <class T, std::size_t R>
    bool update_stays_finite(const parameter<T, R>& p, const parameter_state<T, 1>& s,
                             const largest_values<1>& largest, double gradient_bound) const {
        const std::size_t n = p.value.size();
        const double theta = largest.value;
        const double d = gradient_bound + double(T(weight_decay)) * theta;
        double b = d;  // the buffer on its first step (none yet); without momentum, the direction
        if (momentum != 0.0 && s.holds(0, n))
            b = double(T(momentum)) * largest.buffers[0] + std::abs(double(T(1.0 - dampening))) * d;
        const double direction = nesterov ? d + double(T(momentum)) * b : b;
        const double step = double(T(lr)) * direction;
        constexpr double limit = detail::update_bound_limit<T>;
        return d <= limit && b <= limit && direction <= limit && step <= limit && theta + step <= limit;
    }

private:
    // One pass over flat storage, whatever the tensor's rank: each element is read and written
    // once (the xtensor form took two passes with momentum), and the step is compiled once per
    // scalar type instead of once per parameter shape.
    //   d = ±g + λθ;  b₁ = d, b_t = μ·b + (1−τ)·d;  θ ← θ − lr·(Nesterov ? d + μ·b : b)
    // (without momentum θ ← θ − lr·d). λθ is left out when λ = 0, as PyTorch does.
    template <class T>
    void step(T* __restrict theta, const T* __restrict g, T* __restrict buf, std::size_t n, bool first) const {
        const T sign = maximize ? T(-1) : T(1);
        const T lr_t = T(lr), wd = T(weight_decay), mu = T(momentum), keep = T(1.0 - dampening);
        const bool decay = weight_decay != 0.0;
        if (!buf) {
            if (!decay)
                for (std::size_t i = 0; i < n; ++i) theta[i] -= (lr_t * sign) * g[i];
            else
                for (std::size_t i = 0; i < n; ++i) theta[i] -= lr_t * (sign * g[i] + wd * theta[i]);
            return;
        }
        if (!decay && !nesterov) {  // the common case, kept branch-free
            if (first)
                for (std::size_t i = 0; i < n; ++i) {
                    buf[i] = sign * g[i];
                    theta[i] -= lr_t * buf[i];
                }
            else
                for (std::size_t i = 0; i < n; ++i) {
                    buf[i] = mu * buf[i] + keep * (sign * g[i]);
                    theta[i] -= lr_t * buf[i];
                }
            return;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const T d = decay ? sign * g[i] + wd * theta[i] : sign * g[i];
            buf[i] = first ? d : mu * buf[i] + keep * d;
            theta[i] -= lr_t * (nesterov ? d + mu * buf[i] : buf[i]);
        }
    }
};

}  // namespace ctnn::optim
