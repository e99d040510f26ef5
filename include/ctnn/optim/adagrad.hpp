// Adagrad, exactly torch.optim.Adagrad: each element's step is divided by the root of the sum of
// its squared gradients, so often-updated weights slow down and rarely-updated ones do not.
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

struct adagrad {
    static constexpr std::string_view name = "adagrad";

    double lr = 0.01;
    /// The step-t rate is lr / (1 + (t − 1)·lr_decay).
    double lr_decay = 0.0;
    double weight_decay = 0.0;
    /// Starting value of the sum of squares; > 0 damps the first steps.
    double initial_accumulator_value = 0.0;
    double eps = 1e-10;
    /// Ascend the objective instead of descending it.
    bool maximize = false;

    void validate() const {
        detail::require_setting(detail::finite_non_negative(lr), name, "a finite lr >= 0", lr);
        detail::require_setting(detail::finite_non_negative(lr_decay), name, "a finite lr_decay >= 0", lr_decay);
        detail::require_setting(detail::finite_non_negative(weight_decay), name, "a finite weight_decay >= 0",
                                weight_decay);
        detail::require_setting(detail::finite_non_negative(initial_accumulator_value), name,
                                "a finite initial_accumulator_value >= 0", initial_accumulator_value);
        detail::require_setting(std::isfinite(eps) && eps > 0.0, name, "a finite eps > 0", eps);
    }

    /// PyTorch's state key: the sum of squared gradients.
    static constexpr std::array<std::string_view, 1> state_names{"sum"};

    /// The sum, allocated once, here, at initial_accumulator_value.
    template <class T, std::size_t R>
    void prepare(const parameter<T, R>& p, parameter_state<T, 1>& s) const {
        detail::allocate_state(s, 0, p.size(), T(initial_accumulator_value));
    }

    // θ (shape S), g (S), sum (S) -> θ and sum updated in place
    // d = ±g + λθ;  sum ← sum + d²;  θ ← θ − clr·d / (√sum + ε)  (d reads the θ of before this step)
    template <class T, std::size_t R>
    void update(parameter<T, R>& p, parameter_state<T, 1>& s) const {
        const double t = double(s.steps + 1);
        const element_step<T> step{T(-(lr / (1.0 + (t - 1.0) * lr_decay))), T(eps)};
        detail::update_parameter<1>(step, p, s, {true}, T(maximize ? -1 : 1), T(weight_decay));
        ++s.steps;
    }

    /// True only if update(p, s) certainly stays finite for gradients no larger than
    /// gradient_bound (ctnn::optimizer_bounds_its_update): the sum and the step bounded from the
    /// largest |θ| and sum, the divisor by ε as a T. False for a negative sum and for NaN anywhere.
    template <class T, std::size_t R>
    bool update_stays_finite(const parameter<T, R>& p, const parameter_state<T, 1>& s,
                             const largest_values<1>& largest, double gradient_bound) const {
        if (!s.holds(0, p.value.size()) || !largest.non_negative[0]) return false;
        const double t = double(s.steps + 1);
        const double theta = largest.value, divisor = double(T(eps));
        const double d = gradient_bound + double(T(weight_decay)) * theta;
        const double sum_next = largest.buffers[0] + d * d;
        const double numerator = std::abs(double(T(lr / (1.0 + (t - 1.0) * lr_decay)))) * d;
        const double step = numerator / divisor;  // √sum + ε >= ε
        constexpr double limit = detail::update_bound_limit<T>;
        return divisor > 0.0 && d <= limit && sum_next <= limit && numerator <= limit && step <= limit
               && theta + step <= limit;
    }

private:
    template <class T>
    struct element_step {
        T negative_clr, eps;

        template <class V>
        void operator()(V& theta, V d, std::array<V, 1>& s) const {
            using std::sqrt;
            using xsimd::sqrt;
            s[0] = s[0] + d * d;
            theta = theta + (V(negative_clr) * d) / (sqrt(s[0]) + V(eps));
        }
    };
};

}  // namespace ctnn::optim
