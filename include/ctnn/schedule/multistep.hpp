// schedule::multistep: torch.optim.lr_scheduler.MultiStepLR stepped once per epoch,
// lr(e) = base_lr·gamma^(number of milestones m ≤ e).
// Closed form, as step.hpp. Milestones are counted as torch counts them (a Counter): their order
// does not matter, a repeated milestone applies gamma once per occurrence, and milestone 0
// applies it from epoch 0 on.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"

namespace ctnn::schedule {

struct multistep {
    static constexpr std::string_view name = "multistep";

    /// Epochs at which the rate is multiplied by gamma; set once, at construction (stepping
    /// never allocates).
    std::vector<std::size_t> milestones{};
    double gamma = 0.1;

    void validate() const {
        if (!(gamma > 0.0) || !std::isfinite(gamma))
            throw invalid_argument("ctnn: schedule::multistep needs a finite gamma > 0, got "
                                   + detail::number_string(gamma));
    }

    /// The rate of epoch `epoch` (0: before the first step).
    double lr_at(double base_lr, std::size_t epoch) const {
        const auto passed = std::count_if(milestones.begin(), milestones.end(),
                                          [&](std::size_t m) { return m <= epoch; });
        return base_lr * std::pow(gamma, double(passed));
    }
    double initial(double base_lr) const { return lr_at(base_lr, 0); }
    double next(double base_lr, double, std::size_t epochs_done, double) const {
        return lr_at(base_lr, epochs_done);
    }
};

}  // namespace ctnn::schedule
