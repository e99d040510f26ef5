// schedule::cosine_annealing: torch.optim.lr_scheduler.CosineAnnealingLR stepped once per
// epoch, lr(e) = eta_min + (base_lr − eta_min)·(1 + cos(π·e / t_max))/2.
// Closed form (torch's `_get_closed_form_lr`, same operation order). torch's step() uses a
// recursive form, lr ← eta_min + (lr − eta_min)·(1 + cos(πe/T))/(1 + cos(π(e−1)/T)), which
// equals it up to rounding; neither stops at t_max: past it the rate rises again, period 2·t_max.
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"

namespace ctnn::schedule {

struct cosine_annealing {
    static constexpr std::string_view name = "cosine_annealing";

    /// Epochs from base_lr down to eta_min. Required, as in PyTorch (no default): 0 is refused.
    std::size_t t_max = 0;
    double eta_min = 0.0;

    void validate() const {
        if (t_max == 0)
            throw invalid_argument("ctnn: schedule::cosine_annealing needs t_max > 0 (no default)");
        if (!(eta_min >= 0.0) || !std::isfinite(eta_min))
            throw invalid_argument(
                "ctnn: schedule::cosine_annealing needs a finite eta_min >= 0, got "
                + detail::number_string(eta_min));
    }

    /// The rate of epoch `epoch` (0: before the first step).
    double lr_at(double base_lr, std::size_t epoch) const {
        return eta_min
               + (base_lr - eta_min)
                     * (1.0 + std::cos(std::numbers::pi * double(epoch) / double(t_max))) / 2.0;
    }
    double initial(double base_lr) const { return lr_at(base_lr, 0); }
    double next(double base_lr, double, std::size_t epochs_done, double) const {
        return lr_at(base_lr, epochs_done);
    }
};

}  // namespace ctnn::schedule
