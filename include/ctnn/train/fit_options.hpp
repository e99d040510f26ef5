// How `trainer::fit` runs, and what it reports per step and per epoch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ctnn/detail/xtensor.hpp"

#include "ctnn/train/callback.hpp"
#include "ctnn/train/epoch_report.hpp"
#include "ctnn/train/history.hpp"

namespace ctnn {

/// What training does when a step's loss or gradients are NaN or infinite (or, with a monitor
/// set to refuse them, explode). In every case the update is not applied.
enum class non_finite_action {
    throw_error,  ///< throw ctnn::non_finite_error naming the epoch and step
    skip_step,    ///< drop the step, count it, carry on
    /// drop the step, restore every parameter and its optimizer state (buffers, steps) to what
    /// they were before the last applied update, multiply the learning rate by the trainer's
    /// rollback_lr_factor() (0.5), carry on. The state is copied before every update.
    rollback,
};

struct step_report {
    std::size_t step = 0;        ///< steps attempted so far in this trainer, from 0
    std::size_t epoch = 0;       ///< epoch of this step within the current fit (0 outside fit)
    std::size_t rows = 0;        ///< samples in this batch
    double loss = 0.0;           ///< loss of the batch before the update
    double gradient_norm = 0.0;  ///< total gradient norm before clipping, as the clip measures it
    double learning_rate = 0.0;  ///< the optimizer's rate for this step
    bool applied = true;         ///< false if the step was non-finite and skipped
    bool rolled_back = false;    ///< the step was refused and non_finite_action::rollback ran
    /// A refused step's first non-finite input or target, "x is nan at row 3, column 1" (its row
    /// in the data, before shuffling), as a thrown step's message says it; empty otherwise.
    std::string non_finite_data{};
};

/// A measure fit takes of the validation data after every epoch, beside the loss and accuracy:
/// `{"auc", [](const auto& p, const auto& y) { return ctnn::metrics::roc_auc(p, y); }}`. It is
/// given the network's outputs (rows, outputs) and the targets (rows, target columns), in double,
/// in evaluation mode; its value goes into epoch_report::validation_metrics and the history.
struct epoch_metric {
    std::string name;
    std::function<double(const tensor<double, 2>& prediction, const tensor<double, 2>& target)> compute;
};

struct fit_options {
    std::size_t epochs = 1;
    /// Rows per step; 0 means the whole data set (full-batch gradient descent).
    std::size_t batch_size = 32;
    /// Reshuffle rows every epoch, from `seed` (reproducible; ctnn::shuffled_order gives the
    /// order of any epoch).
    bool shuffle = true;
    std::uint64_t seed = 0;
    /// Leave out each epoch's last batch when it is short (DataLoader's drop_last): every step
    /// then sees batch_size rows.
    bool drop_last = false;
    /// Print "Epoch: e, Loss: l" (and ", Validation loss: v" with validation data) to `log`
    /// every `print_every` epochs (0: never).
    std::size_t print_every = 0;
    std::FILE* log = stdout;
    non_finite_action on_non_finite = non_finite_action::throw_error;
    /// Measured on the validation data after every epoch (fit with validation data only).
    std::vector<epoch_metric> metrics{};
    std::function<void(const epoch_report&)> on_epoch{};
    std::function<void(const step_report&)> on_step{};
    /// Called in order after on_epoch; any of them may stop training. Not owned: e.g.
    /// `.callbacks = {stopper, saver}` with an early_stopping and a checkpoint that outlive fit.
    std::vector<std::reference_wrapper<callback>> callbacks{};
    /// Progress on `log` (nothing if it is null): on a terminal one line per epoch that updates
    /// with batch i/n, loss, samples/s and ETA; otherwise one line per epoch. Unset: on when
    /// `log` is a terminal and neither print_every, on_epoch nor on_step is set (the caller
    /// then reports epochs itself), off in files, pipes and CI logs; true or false: always or
    /// never.
    std::optional<bool> progress{};
};

/// `trainer.fit(x, y, ctnn::validation_split{0.2}, options)`: the last 20% of the rows (before
/// any shuffling, as Keras takes them) are validation data, the rest is trained on.
struct validation_split {
    // explicit: `fit(x, y, {})` stays fit_options, not an empty split
    explicit validation_split(double share) noexcept : fraction(share) {}
    double fraction;
};

struct fit_result {
    std::vector<double> epoch_losses;  ///< one per epoch
    training_history history;          ///< every epoch_report, with validation metrics; write_csv
    bool stopped_early = false;        ///< a callback stopped fit before options.epochs
    std::size_t steps = 0;
    std::size_t skipped_steps = 0;
    double seconds = 0.0;  ///< wall time of the training loop
};

}  // namespace ctnn
