// watch: the per-epoch number a callback (early stopping, checkpointing) judges progress by.
#pragma once

#include <cmath>
#include <string>

#include "ctnn/core/errors.hpp"
#include "ctnn/train/fit_options.hpp"

namespace ctnn {

enum class watch {
    loss,                 ///< the epoch's mean training loss; lower is better
    validation_loss,      ///< needs validation data in fit; lower is better
    validation_accuracy,  ///< needs validation data and a class-label loss; higher is better
};

namespace detail {

inline const char* watch_name(watch w) {
    switch (w) {
        case watch::loss: return "loss";
        case watch::validation_loss: return "validation_loss";
        case watch::validation_accuracy: return "validation_accuracy";
    }
    return "?";
}

inline bool higher_is_better(watch w) { return w == watch::validation_accuracy; }

/// The watched number of an epoch. invalid_argument when fit could not measure it (no
/// validation data, or accuracy for a loss without class labels): a callback that silently
/// never triggers would be worse.
inline double watched_value(watch w, const epoch_report& report, const char* who) {
    const double v = w == watch::loss              ? report.loss
                     : w == watch::validation_loss ? report.validation_loss
                                                   : report.validation_accuracy;
    if (w != watch::loss && std::isnan(v))
        throw invalid_argument(std::string("ctnn: ") + who + " watches " + watch_name(w)
                               + ", but this epoch has none (NaN): pass validation data to fit(x, y, x_val, y_val, "
                                 "options)"
                               + (w == watch::validation_accuracy
                                      ? " with a class-label loss (softmax_cross_entropy, nll)"
                                      : "")
                               + ", or watch loss; with validation data, the network's predictions made it NaN");
    return v;
}

/// Whether `value` beats `best` by more than `min_delta` in the watched direction (NaN never does).
inline bool improves(watch w, double value, double best, double min_delta) {
    return higher_is_better(w) ? value > best + min_delta : value < best - min_delta;
}

/// Whether an epoch's `value` becomes the best one: the first epoch's, a number after a NaN best
/// (an epoch whose steps were all skipped has a NaN loss, which nothing could beat), or one that
/// improves on the best.
inline bool becomes_best(bool has_best, watch w, double value, double best, double min_delta) {
    return !has_best || (std::isnan(best) && !std::isnan(value)) || improves(w, value, best, min_delta);
}

}  // namespace detail
}  // namespace ctnn
