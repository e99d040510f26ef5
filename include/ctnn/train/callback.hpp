// callback: an object `fit` calls at the start, after every epoch and at the end, that may end
// training early. Early stopping and checkpointing are callbacks; so can yours be.
#pragma once

namespace ctnn {

struct epoch_report;
struct fit_result;

/// What a callback wants after an epoch.
enum class fit_control {
    proceed,  ///< go on with the next epoch
    stop,     ///< end fit after this epoch (fit_result::stopped_early is set)
};

/// Derive and override what you need; pass it by reference in fit_options::callbacks. `fit` does
/// not own callbacks: they outlive the call, so their state (best epoch, files saved) stays
/// readable afterwards.
class callback {
public:
    virtual ~callback() = default;
    /// Before the first epoch of every fit: reset per-run state here.
    virtual void on_fit_begin() {}
    /// After each epoch, once its validation metrics, on_epoch and the schedule have run.
    virtual fit_control on_epoch_end(const epoch_report& report) = 0;
    /// When fit ends without an exception, by stop or after its last epoch.
    virtual void on_fit_end(const fit_result&) {}

protected:
    callback() = default;
    callback(const callback&) = default;
    callback& operator=(const callback&) = default;
};

}  // namespace ctnn
