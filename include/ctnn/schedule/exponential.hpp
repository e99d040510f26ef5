// schedule::exponential: torch.optim.lr_scheduler.ExponentialLR stepped once per epoch,
// lr(e) = base_lr·gamma^e.
// Closed form, as step.hpp: torch's repeated products drift by up to e/2 ulps; this does not.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"

namespace ctnn::schedule {

struct exponential {
    static constexpr std::string_view name = "exponential";

    /// Factor per epoch. Required, as in PyTorch (no default): 0 is refused.
    double gamma = 0.0;

    void validate() const {
        if (!(gamma > 0.0) || !std::isfinite(gamma))
            throw invalid_argument(
                "ctnn: schedule::exponential needs a finite gamma > 0 (no default), got "
                + detail::number_string(gamma));
    }

    /// The rate of epoch `epoch` (0: before the first step).
    double lr_at(double base_lr, std::size_t epoch) const {
        return base_lr * std::pow(gamma, double(epoch));
    }
    double initial(double base_lr) const { return lr_at(base_lr, 0); }
    double next(double base_lr, double, std::size_t epochs_done, double) const {
        return lr_at(base_lr, epochs_done);
    }
};

}  // namespace ctnn::schedule
