// early_stopping: ends fit when the watched number has not improved for `patience` epochs, and
// puts back the weights (and running statistics) of the best epoch.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/network_visit.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/detail/parameter_snapshot.hpp"
#include "ctnn/train/callback.hpp"
#include "ctnn/train/fit_options.hpp"
#include "ctnn/train/watch.hpp"

namespace ctnn {

struct early_stopping_options {
    watch quantity = watch::validation_loss;
    /// Epochs without improvement before stopping, at least 1.
    std::size_t patience = 5;
    /// An epoch improves only if it beats the best by more than this (≥ 0).
    double min_delta = 0.0;
    /// At the end of fit (stopped or not), restore every parameter and every saved buffer
    /// (batch_norm's running statistics, in blocks too) to the best epoch's value, as Keras's
    /// restore_best_weights restores every weight: the model then evaluates as it did at its
    /// best epoch. A trainer then starts its optimizer state afresh at its next step (the state
    /// it has was built for later weights).
    bool restore_best = true;
};

/// Use: `ctnn::early_stopping stop(net, {.patience = 3}); options.callbacks = {stop};`
template <class Network>
class early_stopping final : public callback {
public:
    explicit early_stopping(Network& net, early_stopping_options options = {})
        : net_(net), options_(options) {
        if (options_.patience == 0)
            throw invalid_argument("ctnn: early_stopping needs patience >= 1, got 0");
        if (!(options_.min_delta >= 0.0))
            throw invalid_argument("ctnn: early_stopping needs min_delta >= 0, got "
                                   + detail::number_string(options_.min_delta));
    }

    void on_fit_begin() override {
        best_ = std::numeric_limits<double>::quiet_NaN();
        best_epoch_.reset();
        stopped_epoch_.reset();
        last_epoch_ = 0;
        waited_ = 0;
        snapshot_.invalidate();
    }

    fit_control on_epoch_end(const epoch_report& report) override {
        const double v = detail::watched_value(options_.quantity, report, "early_stopping");
        last_epoch_ = report.epoch;
        if (detail::becomes_best(best_epoch_.has_value(), options_.quantity, v, best_, options_.min_delta)) {
            best_ = v;
            best_epoch_ = report.epoch;
            waited_ = 0;
            if (options_.restore_best) {
                snapshot_.capture(net_);
                capture_buffers();
            }
            return fit_control::proceed;
        }
        if (++waited_ < options_.patience) return fit_control::proceed;
        stopped_epoch_ = report.epoch;
        return fit_control::stop;
    }

    void on_fit_end(const fit_result&) override {
        if (options_.restore_best && snapshot_.valid() && best_epoch_ && *best_epoch_ != last_epoch_) {
            snapshot_.restore(net_);
            restore_buffers();
            net_.note_weights_replaced();  // a trainer's optimizer state was built for later weights
        }
    }

    /// The epoch (of the last fit, from 0) with the best watched value, and that value.
    std::optional<std::size_t> best_epoch() const noexcept { return best_epoch_; }
    double best_value() const noexcept { return best_; }
    /// The epoch after which it stopped training, if it did.
    std::optional<std::size_t> stopped_epoch() const noexcept { return stopped_epoch_; }
    const early_stopping_options& options() const noexcept { return options_; }

private:
    using scalar = typename Network::scalar;

    // The buffers that are saved with the model (for_each_buffer_of): tensors' elements in
    // order, and the counters (batch_norm's batches_tracked).
    void capture_buffers() {
        buffer_values_.clear();
        counters_.clear();
        net_.for_each_layer([&](auto& layer) {
            detail::for_each_buffer_of(layer, [&](std::string_view, const auto& b) {
                if constexpr (std::is_arithmetic_v<std::remove_cvref_t<decltype(b)>>)
                    counters_.push_back(std::int64_t(b));
                else
                    buffer_values_.insert(buffer_values_.end(), b.data(), b.data() + b.size());
            });
        });
    }
    void restore_buffers() {
        const scalar* from = buffer_values_.data();
        std::size_t counter = 0;
        net_.for_each_layer([&](auto& layer) {
            detail::for_each_buffer_of(layer, [&](std::string_view, auto& b) {
                using buffer = std::remove_cvref_t<decltype(b)>;
                if constexpr (std::is_arithmetic_v<buffer>) {
                    b = buffer(counters_[counter++]);
                } else {
                    std::copy_n(from, b.size(), b.data());
                    from += b.size();
                }
            });
        });
    }

    Network& net_;
    early_stopping_options options_;
    double best_ = std::numeric_limits<double>::quiet_NaN();
    std::optional<std::size_t> best_epoch_;
    std::optional<std::size_t> stopped_epoch_;
    std::size_t last_epoch_ = 0;
    std::size_t waited_ = 0;
    detail::parameter_snapshot<scalar> snapshot_;  // the parameters
    std::vector<scalar> buffer_values_;
    std::vector<std::int64_t> counters_;
};

}  // namespace ctnn
