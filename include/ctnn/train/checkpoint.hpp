// checkpoint: saves the network with ctnn::save (atomically) every N epochs and/or whenever the
// watched number improves, so a long run leaves a usable model behind.
#pragma once

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/io/save.hpp"
#include "ctnn/train/callback.hpp"
#include "ctnn/train/fit_options.hpp"
#include "ctnn/train/watch.hpp"

namespace ctnn {

struct checkpoint_options {
    /// Save after every `every` epochs (epochs e of the trainer's clock, epoch_report::
    /// trainer_epoch, with (e + 1) % every == 0, whatever fit call they are in); 0: not by count.
    std::size_t every = 1;
    /// Also save after an epoch that beats the best watched value so far (over every fit this
    /// checkpoint watched, as Keras's ModelCheckpoint keeps its best) by more than min_delta.
    bool on_improvement = false;
    watch quantity = watch::loss;
    double min_delta = 0.0;
    /// The best value of a training this one resumes (Keras's initial_value_threshold; read it
    /// from the last run's `best_value()`): the first epochs must beat it to save.
    std::optional<double> initial_best{};
    /// Whether this process writes the file. Data-parallel training (distribute::data_parallel)
    /// gives every rank the same weights: write on rank 0 only, `.write = comm.is_root()`.
    bool write = true;
};

/// Use: `ctnn::checkpoint save(net, "model-{epoch}.ctnn", {.every = 5}); options.callbacks = {save};`
/// "{epoch}" in the path becomes the trainer's epoch number (from 0, counted over every fit and
/// restored by load: fit(1) in a loop, or a resumed training, numbers its files on); without it
/// one file is replaced each time. A failed write throws io_error (out of fit), the previous
/// file intact.
template <class Network>
class checkpoint final : public callback {
public:
    checkpoint(Network& net, std::filesystem::path path, checkpoint_options options = {})
        : net_(net), path_(std::move(path)), options_(options) {
        if (options_.every == 0 && !options_.on_improvement)
            throw invalid_argument("ctnn: checkpoint '" + path_.string()
                                   + "' would never save: set every >= 1 or on_improvement");
        if (!(options_.min_delta >= 0.0))
            throw invalid_argument("ctnn: checkpoint needs min_delta >= 0, got "
                                   + detail::number_string(options_.min_delta));
        if (options_.initial_best) {
            if (std::isnan(*options_.initial_best))
                throw invalid_argument("ctnn: checkpoint's initial_best is NaN: no epoch could beat it");
            best_ = *options_.initial_best;
            has_best_ = true;
        }
    }

    fit_control on_epoch_end(const epoch_report& report) override {
        bool due = options_.every != 0 && (report.trainer_epoch + 1) % options_.every == 0;
        if (options_.on_improvement) {
            const double v = detail::watched_value(options_.quantity, report, "checkpoint");
            if (detail::becomes_best(has_best_, options_.quantity, v, best_, options_.min_delta)) {
                best_ = v;
                has_best_ = true;
                due = true;
            }
        }
        if (due && options_.write) {
            const std::filesystem::path file = path_for(report.trainer_epoch);
            save(file, net_);
            saved_.push_back(file);
        }
        return fit_control::proceed;
    }

    /// The best watched value so far (NaN before the first epoch without initial_best).
    double best_value() const noexcept { return best_; }

    /// Every file written, in order (the same path repeats without "{epoch}"); none without `write`.
    const std::vector<std::filesystem::path>& saved() const noexcept { return saved_; }

    std::filesystem::path path_for(std::size_t epoch) const {
        std::string p = path_.string();
        const std::string key = "{epoch}";
        for (auto at = p.find(key); at != std::string::npos; at = p.find(key, at))
            p.replace(at, key.size(), std::to_string(epoch));
        return p;
    }

private:
    Network& net_;
    std::filesystem::path path_;
    checkpoint_options options_;
    double best_ = std::numeric_limits<double>::quiet_NaN();
    bool has_best_ = false;
    std::vector<std::filesystem::path> saved_;
};

}  // namespace ctnn
