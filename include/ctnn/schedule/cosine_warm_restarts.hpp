// schedule::cosine_warm_restarts: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts (SGDR,
// Loshchilov & Hutter 2017): cosine annealing from base_lr to eta_min over t_0 epochs (or steps,
// under per_step), then a restart at base_lr, each period t_mult times the one before.
// lr = eta_min + (base_lr − eta_min)·(1 + cos(π·t_cur / t_i))/2, as torch's step() computes it;
// t_cur and t_i are found with integer arithmetic (torch's step() counts them the same way).
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"

namespace ctnn::schedule {

struct cosine_warm_restarts {
    static constexpr std::string_view name = "cosine_warm_restarts";

    /// Length of the first period. Required, as in PyTorch (no default): 0 is refused.
    std::size_t t_0 = 0;
    /// Each period is t_mult times longer than the one before (1: all equal).
    std::size_t t_mult = 1;
    double eta_min = 0.0;

    void validate() const {
        if (t_0 == 0)
            throw invalid_argument("ctnn: schedule::cosine_warm_restarts needs t_0 > 0 (no default)");
        if (t_mult == 0)
            throw invalid_argument("ctnn: schedule::cosine_warm_restarts needs t_mult >= 1");
        if (!(eta_min >= 0.0) || !std::isfinite(eta_min))
            throw invalid_argument("ctnn: schedule::cosine_warm_restarts needs a finite eta_min >= 0, got "
                                   + detail::number_string(eta_min));
    }

    /// The rate at `t` epochs (or steps) from the start.
    double lr_at(double base_lr, std::size_t t) const {
        std::size_t period = t_0;
        if (t_mult == 1) {
            t %= period;
        } else {
            // whole periods passed: they grow geometrically, so this loop is short
            while (t >= period) {
                t -= period;
                period *= t_mult;
            }
        }
        return eta_min + (base_lr - eta_min) * (1.0 + std::cos(std::numbers::pi * double(t) / double(period))) / 2.0;
    }
    double initial(double base_lr) const { return lr_at(base_lr, 0); }
    double next(double base_lr, double, std::size_t done, double) const { return lr_at(base_lr, done); }
};

}  // namespace ctnn::schedule
