// schedule::step: torch.optim.lr_scheduler.StepLR stepped once per epoch,
// lr(e) = base_lr·gamma^⌊e / step_size⌋.
// Closed form: a rate depends only on base_lr and the epoch, never on earlier rounding (torch
// multiplies the current rate by gamma at each multiple of step_size; the two agree to ulps).
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"

namespace ctnn::schedule {

struct step {
    static constexpr std::string_view name = "step";

    /// Epochs between two decays. Required, as in PyTorch (no default): 0 is refused.
    std::size_t step_size = 0;
    double gamma = 0.1;

    void validate() const {
        if (step_size == 0)
            throw invalid_argument("ctnn: schedule::step needs step_size > 0 (it has no default)");
        if (!(gamma > 0.0) || !std::isfinite(gamma))
            throw invalid_argument("ctnn: schedule::step needs a finite gamma > 0, got "
                                   + detail::number_string(gamma));
    }

    /// The rate of epoch `epoch` (0: before the first step).
    double lr_at(double base_lr, std::size_t epoch) const {
        return base_lr * std::pow(gamma, double(epoch / step_size));
    }
    double initial(double base_lr) const { return lr_at(base_lr, 0); }
    double next(double base_lr, double, std::size_t epochs_done, double) const {
        return lr_at(base_lr, epochs_done);
    }
};

}  // namespace ctnn::schedule
