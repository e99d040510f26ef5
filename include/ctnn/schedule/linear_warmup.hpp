// schedule::linear_warmup: torch.optim.lr_scheduler.LinearLR stepped once per epoch,
// lr(e) = base_lr·(start_factor + (end_factor − start_factor)·min(e, total_iters)/total_iters).
// A warm-up with the defaults (base_lr/3 up to base_lr over 5 epochs); a linear decay with
// end_factor < start_factor. Closed form (torch's `_get_closed_form_lr`, same operation order).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"

namespace ctnn::schedule {

struct linear_warmup {
    static constexpr std::string_view name = "linear_warmup";

    double start_factor = 1.0 / 3.0;
    double end_factor = 1.0;
    std::size_t total_iters = 5;

    // torch 1.13 accepts start_factor 0 but then divides by zero at the first step (later
    // versions refuse it), so (0, 1] here.
    void validate() const {
        if (!(start_factor > 0.0 && start_factor <= 1.0))
            throw invalid_argument("ctnn: schedule::linear_warmup needs 0 < start_factor <= 1, got "
                                   + detail::number_string(start_factor));
        if (!(end_factor >= 0.0 && end_factor <= 1.0))
            throw invalid_argument("ctnn: schedule::linear_warmup needs 0 <= end_factor <= 1, got "
                                   + detail::number_string(end_factor));
        if (total_iters == 0)
            throw invalid_argument("ctnn: schedule::linear_warmup needs total_iters > 0");
    }

    /// The rate of epoch `epoch` (0: before the first step).
    double lr_at(double base_lr, std::size_t epoch) const {
        return base_lr
               * (start_factor
                  + (end_factor - start_factor) * double(std::min(total_iters, epoch))
                        / double(total_iters));
    }
    double initial(double base_lr) const { return lr_at(base_lr, 0); }
    double next(double base_lr, double, std::size_t epochs_done, double) const {
        return lr_at(base_lr, epochs_done);
    }
};

}  // namespace ctnn::schedule
