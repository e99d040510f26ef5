// epoch_report: what one epoch of `trainer::fit` did; the row of a training_history.
#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace ctnn {

struct epoch_report {
    std::size_t epoch = 0;          ///< from 0 within this fit
    /// The trainer's epoch clock at this epoch (trainer.epochs() before it): counted over every
    /// fit call and restored by load, so a resumed training goes on counting; shuffled_order's
    /// epoch for this one.
    std::size_t trainer_epoch = 0;
    double loss = 0.0;              ///< mean of the batch losses, weighted by batch size
    double gradient_norm = 0.0;     ///< of the epoch's last step
    std::size_t steps = 0;          ///< steps in this epoch
    std::size_t skipped_steps = 0;  ///< non-finite steps dropped in this epoch
    /// Loss on the validation data after the epoch (NaN without validation data).
    double validation_loss = std::numeric_limits<double>::quiet_NaN();
    /// Fraction of validation rows classified right, for class-label losses (else NaN).
    double validation_accuracy = std::numeric_limits<double>::quiet_NaN();
    /// fit_options::metrics on the validation data after the epoch, by name, in their order.
    std::vector<std::pair<std::string, double>> validation_metrics{};
    /// The optimizer's rate at the epoch's start: the rate of all its steps unless a per-step
    /// schedule or a rollback's cut changed it during the epoch (step_report has each step's).
    double learning_rate = 0.0;
    double seconds = 0.0;        ///< wall time of fit so far, at the end of this epoch
};

}  // namespace ctnn
