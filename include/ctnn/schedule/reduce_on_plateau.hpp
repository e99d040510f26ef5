// schedule::reduce_on_plateau: torch.optim.lr_scheduler.ReduceLROnPlateau in mode 'min', fed
// the epoch loss: after more than `patience` epochs without improvement, lr ← max(lr·factor,
// min_lr), then `cooldown` epochs in which bad epochs are not counted.
// Stateful, and recursive like torch's: it reduces the current rate, so a rate the user sets
// between epochs is the one reduced next. There is no mode 'max': the trainer feeds a loss.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"

namespace ctnn::schedule {

struct reduce_on_plateau {
    static constexpr std::string_view name = "reduce_on_plateau";

    /// How a loss must beat the best one to count as an improvement: rel, below
    /// best·(1 − threshold); abs, below best − threshold.
    enum class threshold_kind { rel, abs };

    double factor = 0.1;
    std::size_t patience = 10;
    double threshold = 1e-4;
    threshold_kind threshold_mode = threshold_kind::rel;
    std::size_t cooldown = 0;
    double min_lr = 0.0;
    /// A reduction smaller than eps is not applied.
    double eps = 1e-8;

    // State, as torch's attributes of the same names; next() updates it.
    double best = std::numeric_limits<double>::infinity();
    std::size_t num_bad_epochs = 0;
    std::size_t cooldown_counter = 0;

    void validate() const {
        if (!(factor >= 0.0 && factor < 1.0))
            throw invalid_argument("ctnn: schedule::reduce_on_plateau needs 0 <= factor < 1, got "
                                   + detail::number_string(factor));
        if (!(threshold >= 0.0) || !std::isfinite(threshold))
            throw invalid_argument(
                "ctnn: schedule::reduce_on_plateau needs a finite threshold >= 0, got "
                + detail::number_string(threshold));
        if (!(min_lr >= 0.0) || !std::isfinite(min_lr))
            throw invalid_argument(
                "ctnn: schedule::reduce_on_plateau needs a finite min_lr >= 0, got "
                + detail::number_string(min_lr));
        if (!(eps >= 0.0) || !std::isfinite(eps))
            throw invalid_argument("ctnn: schedule::reduce_on_plateau needs a finite eps >= 0, got "
                                   + detail::number_string(eps));
    }

    /// A NaN loss is never an improvement (torch's comparison is false too).
    bool is_better(double loss) const {
        return threshold_mode == threshold_kind::rel ? loss < best * (1.0 - threshold)
                                                     : loss < best - threshold;
    }

    double initial(double base_lr) const { return base_lr; }

    // torch's step(metrics), in its order: count, then cooldown, then reduce.
    double next(double, double lr, std::size_t, double epoch_loss) {
        if (is_better(epoch_loss)) {
            best = epoch_loss;
            num_bad_epochs = 0;
        } else {
            ++num_bad_epochs;
        }
        if (cooldown_counter > 0) {
            --cooldown_counter;
            num_bad_epochs = 0;  // bad epochs in cooldown do not count
        }
        if (num_bad_epochs > patience) {
            const double reduced = std::max(lr * factor, min_lr);
            if (lr - reduced > eps) lr = reduced;
            cooldown_counter = cooldown;  // also when the reduction was too small to apply
            num_bad_epochs = 0;
        }
        return lr;
    }
};

}  // namespace ctnn::schedule
