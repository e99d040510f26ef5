// Adam, exactly torch.optim.Adam: a step along the running mean of the gradient divided by the
// root of the running mean of its square, both bias-corrected; weight decay is an L2 term added
// to the gradient (AdamW decouples it); AMSGrad divides by the largest second moment so far.
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/core/parameter.hpp"
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

    /// moments[0] = m, moments[1] = v, moments[2] = max v (AMSGrad): allocated once, here.
    template <class T, std::size_t R>
    void prepare(parameter<T, R>& p) const {
        detail::prepare_adam_state(p, amsgrad);
    }

    // θ (shape S), g (S), m, v, max v (S each) -> all updated in place
    template <class T, std::size_t R>
    void update(parameter<T, R>& p) const {
        detail::adam_step(*this, p, T(weight_decay), T(1));
    }
};

}  // namespace ctnn::optim
