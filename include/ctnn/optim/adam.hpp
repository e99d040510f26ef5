// Adam, exactly torch.optim.Adam: a step along the running mean of the gradient divided by the
// root of the running mean of its square, both bias-corrected; weight decay is an L2 term added
// to the gradient (AdamW decouples it); AMSGrad divides by the largest second moment so far.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "ctnn/core/parameter.hpp"
#include "ctnn/optim/parameter_state.hpp"
#include "ctnn/detail/adam_step.hpp"

namespace ctnn::optim {

struct adam {
    static constexpr std::string_view name = "adam";

    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    /// L2 penalty λ: g ← g + λθ before the moments (unlike optim::adamw).
    double weight_decay = 0.0;
    bool amsgrad = false;
    /// Ascend the objective instead of descending it.
    bool maximize = false;

    void validate() const { detail::check_adam_settings(*this); }

    /// PyTorch's state keys: m, v, and the largest v so far (AMSGrad only).
    static constexpr std::array<std::string_view, 3> state_names = detail::adam_state_names;

    /// m and v (and max v with AMSGrad), allocated once, here, at zero.
    template <class T, std::size_t R>
    void prepare(const parameter<T, R>& p, parameter_state<T, 3>& s) const {
        detail::prepare_adam_state(p, s, amsgrad);
    }

    // θ (shape S), g (S), m, v, max v (S each) -> all updated in place
    template <class T, std::size_t R>
    void update(parameter<T, R>& p, parameter_state<T, 3>& s) const {
        detail::adam_step(*this, p, s, T(weight_decay), T(1));
    }

    /// True only if update(p, s) certainly stays finite for gradients no larger than
    /// gradient_bound (ctnn::optimizer_bounds_its_update).
    template <class T, std::size_t R>
    bool update_stays_finite(const parameter<T, R>& p, const parameter_state<T, 3>& s,
                             const largest_values<3>& largest, double gradient_bound) const {
        return detail::adam_update_stays_finite(*this, p, s, largest, gradient_bound, T(weight_decay), T(1));
    }
};

}  // namespace ctnn::optim
