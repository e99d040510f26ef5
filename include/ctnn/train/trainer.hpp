// trainer<Network, Loss, Optimizer, Clip, ...>: one training step is forward, loss, backward,
// clip, update; the policies are template parameters with PyTorch's defaults. With a distributed
// policy (distribute::data_parallel) the step is one rank's share of a step that several
// processes take together: the loss and the gradients are averaged over the ranks before the
// clip and the update, so every rank applies the same update.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/clip/none.hpp"
#include "ctnn/clip/off.hpp"
#include "ctnn/core/errors.hpp"
#include "ctnn/core/padded_sequences.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/detail/affine.hpp"
#include "ctnn/detail/class_labels.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/finite_check.hpp"
#include "ctnn/detail/fit_progress.hpp"
#include "ctnn/detail/row_argmax.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/message.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/detail/parameter_snapshot.hpp"
#include "ctnn/detail/sequence_layout.hpp"
#include "ctnn/detail/trainer_policies.hpp"
#include "ctnn/distribute/single_process.hpp"
#include "ctnn/loss/evaluate.hpp"
#include "ctnn/loss/mse.hpp"
#include "ctnn/monitor/none.hpp"
#include "ctnn/optim/largest_values.hpp"
#include "ctnn/optim/parameter_state.hpp"
#include "ctnn/optim/sgd.hpp"
#include "ctnn/regularize/none.hpp"
#include "ctnn/schedule/constant.hpp"
#include "ctnn/train/fit_options.hpp"
#include "ctnn/train/shuffled_order.hpp"

namespace ctnn {

template <class Network, class Loss = loss::mse, class Optimizer = optim::sgd,
          class Clip = clip::none, class Schedule = schedule::constant,
          class Regularizer = regularize::none, class Monitor = monitor::none,
          class Distribution = distribute::single_process>
class trainer {
    static_assert(diagnostics::check_loss<Loss>());
    static_assert(diagnostics::check_loss_fits_output<Loss, Network::output_width>());
    static_assert(diagnostics::check_optimizer<Optimizer>());
    static_assert(diagnostics::check_clip<Clip>());
    static_assert(diagnostics::check_schedule<Schedule>());
    static_assert(diagnostics::check_regularizer<Regularizer>());
    static_assert(diagnostics::check_monitor<Monitor>());
    static_assert(diagnostics::check_distribution<Distribution>());

public:
    using network_type = Network;
    using scalar = typename Network::scalar;
    using loss_type = Loss;
    using optimizer_type = Optimizer;
    using clip_type = Clip;
    using schedule_type = Schedule;
    using regularizer_type = Regularizer;
    using monitor_type = Monitor;
    using distribution_type = Distribution;
    /// What the optimizer keeps for one parameter: buffers named by Optimizer::state_names.
    using optimizer_state_type = optim::state_of<Optimizer, scalar>;
    static constexpr std::size_t input_width = Network::input_width;
    static constexpr std::size_t output_width = Network::output_width;
    /// Columns of y: output_width, or 1 for losses on class labels.
    static constexpr std::size_t target_width = detail::loss_target_width<Loss, output_width>();
    /// x is (B, T, input_width) for a network that starts with sequence<F>; y is then
    /// (B, T, target_width) if the network returns every step, else (B, target_width).
    static constexpr bool sequences = Network::sequence_input;
    static constexpr bool sequence_targets = Network::sequence_output;
    /// One rank of several (distribute::data_parallel): fit, train_step and evaluate are then
    /// collective, called on every rank with the same data set (fit, evaluate) or each rank's
    /// own batch (train_step).
    static constexpr bool distributed = Distribution::distributed;

    /// Holds `net` by reference: it must outlive the trainer. Throws invalid_argument for
    /// out-of-domain hyper-parameters. The optimizer's `lr` is the schedule's base rate.
    /// (type_identity: the policies' types come from the class, or from the deduction guide
    /// below, which takes them in any order.)
    explicit trainer(Network& trained, std::type_identity_t<Loss> loss = {},
                     std::type_identity_t<Optimizer> optimizer = {}, std::type_identity_t<Clip> clip = {},
                     std::type_identity_t<Schedule> schedule = {}, std::type_identity_t<Regularizer> regularizer = {},
                     std::type_identity_t<Monitor> monitor = {}, std::type_identity_t<Distribution> distribution = {})
        : net_(trained), loss_(loss), optimizer_(optimizer), clip_(clip), schedule_(schedule),
          regularizer_(regularizer), monitor_(monitor), distribution_(distribution), base_lr_(optimizer.lr) {
        optimizer_.validate();
        std::size_t parameters = 0;
        net_.for_each_parameter([&](const auto&) { ++parameters; });
        optimizer_state_.resize(parameters);
        state_revision_ = net_.revision();
        if constexpr (requires { loss_.validate(output_width); })
            loss_.validate(output_width);  // settings that depend on the width: one weight per class
        else if constexpr (requires { loss_.validate(); })
            loss_.validate();
        if constexpr (requires { clip_.validate(); }) clip_.validate();
        if constexpr (requires { schedule_.validate(); }) schedule_.validate();
        if constexpr (requires { regularizer_.validate(); }) regularizer_.validate();
        if constexpr (requires { monitor_.validate(); }) monitor_.validate();
        optimizer_.lr = schedule_.initial(base_lr_);
        // Every rank starts from rank 0's weights (each fit shares them again) and draws its own
        // dropout masks.
        if constexpr (distributed) {
            distribution_.share_weights(net_);
            distribution_.split_random_streams(net_);
        }
    }

    /// The policies in any order, each found by the concept it models:
    /// `trainer{net, optim::adam{.lr = 1e-3}, loss::mse{}, monitor::gradient_health{}}`.
    template <class... Policies>
    explicit trainer(Network& trained, Policies... policies)
        : trainer(trained, detail::pick_policy<Loss>(policies...), detail::pick_policy<Optimizer>(policies...),
                  detail::pick_policy<Clip>(policies...), detail::pick_policy<Schedule>(policies...),
                  detail::pick_policy<Regularizer>(policies...), detail::pick_policy<Monitor>(policies...),
                  detail::pick_policy<Distribution>(policies...)) {
        static_assert(diagnostics::check_trainer_policies<Policies...>());
        // (a policy of no kind, or two of one kind, has had its own error from
        // check_trainer_policies)
        static_assert(!diagnostics::no_two_of_a_kind<Policies...>()
                      || ((std::is_same_v<Policies, Loss> || std::is_same_v<Policies, Optimizer>
                        || std::is_same_v<Policies, Clip> || std::is_same_v<Policies, Schedule>
                        || std::is_same_v<Policies, Regularizer> || std::is_same_v<Policies, Monitor>
                        || std::is_same_v<Policies, Distribution> || detail::policy_kinds_modelled<Policies>() == 0)
                       && ...),
                      "ctnn: a policy given to this trainer is not one of the policy types it was declared with");
    }

    Network& network() noexcept { return net_; }
    /// Mutable: change `lr` (a schedule) or other settings between steps.
    Optimizer& optimizer() noexcept { return optimizer_; }
    Clip& clip() noexcept { return clip_; }
    Schedule& schedule() noexcept { return schedule_; }
    Regularizer& regularizer() noexcept { return regularizer_; }
    /// What the monitor saw (events, history) and its settings.
    Monitor& monitor() noexcept { return monitor_; }
    const Monitor& monitor() const noexcept { return monitor_; }
    /// Where the steps run: this process alone, or its rank among several.
    const Distribution& distribution() const noexcept { return distribution_; }

    /// The optimizer's state for each of the network's parameters, in for_each_parameter's
    /// order (PyTorch's optimizer.state): the buffers Optimizer::state_names names (empty until
    /// a step allocates them), the step count, NAdam's product. Saved by save(path, net, *this).
    std::span<optimizer_state_type> optimizer_state() noexcept { return optimizer_state_; }
    std::span<const optimizer_state_type> optimizer_state() const noexcept { return optimizer_state_; }
    /// The state of `p`, one of the network's parameters:
    /// `trainer.optimizer_state(net.layer<0>().weight).buffers[0]`. Throws invalid_argument for
    /// a parameter of another network.
    template <std::size_t R>
    optimizer_state_type& optimizer_state(const parameter<scalar, R>& p) {
        std::size_t i = 0, found = optimizer_state_.size();
        net_.for_each_parameter([&](const auto& q) {
            if (static_cast<const void*>(&q) == static_cast<const void*>(&p)) found = i;
            ++i;
        });
        if (found == optimizer_state_.size())
            throw invalid_argument("ctnn: trainer::optimizer_state: the parameter is not one of this trainer's network");
        return optimizer_state_[found];
    }
    /// Forgets the optimizer's state: the next step starts it afresh, as a new trainer's would.
    /// The trainer does so by itself when the network's weights are replaced without it (load
    /// into the network alone, load_npz, initialize): state built for other weights is stale.
    void reset_optimizer_state() noexcept {
        for (auto& s : optimizer_state_) s = optimizer_state_type{};
        state_revision_ = net_.revision();
        snapshot_.invalidate();
    }
    /// Whether optimizer_state() belongs to the network's current weights. False once they were
    /// replaced without the trainer (load into the network alone, load_npz, initialize,
    /// early_stopping's restore_best): the next step then starts the state afresh, and
    /// save(path, net, trainer) writes it afresh.
    bool optimizer_state_is_current() const noexcept { return state_revision_ == net_.revision(); }
    /// Declares the optimizer state to belong to the network's current weights: what
    /// load(path, net, trainer) says after replacing both.
    void adopt_current_weights() noexcept { state_revision_ = net_.revision(); }
    /// Sets the epoch and step clocks, as load(path, net, trainer) does from the file, so that a
    /// schedule goes on from where the saved training was (a per-step schedule counts the steps
    /// taken, one that threw included).
    void resume_clocks(std::size_t epochs, std::size_t steps) noexcept {
        epochs_ = epochs;
        steps_ = steps;
        scheduled_steps_ = schedule_per_step ? steps : 0;
    }
    /// non_finite_action::rollback multiplies the learning rate (and the schedule's base rate)
    /// by this factor, in (0, 1]; 0.5 unless set.
    double rollback_lr_factor() const noexcept { return rollback_lr_factor_; }
    void set_rollback_lr_factor(double factor) {
        if (!(factor > 0.0 && factor <= 1.0))
            throw invalid_argument("ctnn: trainer needs a rollback_lr_factor in (0, 1], got "
                                   + detail::number_string(factor));
        rollback_lr_factor_ = factor;
    }
    /// Epochs completed by fit, over every call: the schedule's clock (a per-step schedule's is
    /// the steps that returned, from train_step and fit alike).
    std::size_t epochs() const noexcept { return epochs_; }
    const Loss& loss() const noexcept { return loss_; }

    /// The last step: its loss, its gradient norm before clipping, and whether it was applied.
    const step_report& last_step() const noexcept { return last_; }
    std::size_t steps() const noexcept { return steps_; }

    /// One optimisation step on a batch x (B, input_width), y (B, target_width) — or for a
    /// sequence network x (B, T, input_width) (or padded_sequences) and y as `sequence_targets`
    /// says.
    template <class X, class Y>
    step_report train_step(const X& x, const Y& y,
                           non_finite_action on_non_finite = non_finite_action::throw_error) {
        static_assert(detail::check_data_type<scalar, X>() && detail::check_data_type<scalar, Y>());
        if constexpr (!detail::network_data<X, scalar> || !detail::network_data<Y, scalar>)
            return {};  // refused above: no second error
        else {
            largest_written_current_ = false;  // the caller holds the network: it may have written weights
            const data_shape shape = on_every_rank("train_step", [&] {
                const data_shape s = check_data(x, y, "train_step");
                if (s.rows == 0) throw shape_error("ctnn: train_step: the batch has no rows");
                return s;
            });
            const std::size_t rows = shape.rows;
            if (!net_.fits(rows, shape.steps)) net_.reserve(rows, shape.steps);
            if (!net_.training()) net_.set_training(true);
            const auto& data = detail::values_of(x);
            const auto lengths = detail::lengths_of(x);
            return guarded_step(data, y, lengths, 0, rows, shape.steps, [](std::size_t i) { return i; },
                                [&]() -> const step_report& {
                                    return finish_step(forward_rows(data.data(), rows, shape.steps, lengths), y.data(),
                                                       rows, shape.steps, lengths, on_non_finite);
                                });
        }
    }

    /// Trains for `options.epochs` epochs of mini-batches (fewer if a callback stops it) and
    /// returns the loss of each epoch and the history.
    template <class X, class Y>
    fit_result fit(const X& x, const Y& y, const fit_options& options = {}) {
        static_assert(detail::check_data_type<scalar, X>() && detail::check_data_type<scalar, Y>());
        // No validation types: fit_with then compiles no validation pass (W5, compile time).
        return fit_with(x, y, static_cast<const no_validation*>(nullptr), static_cast<const no_validation*>(nullptr),
                        options);
    }

    /// The same, and after every epoch the loss on (x_val, y_val) — and for class-label losses
    /// the accuracy — in evaluation mode, into the epoch_report and history.
    template <class X, class Y, class XV, class YV>
    fit_result fit(const X& x, const Y& y, const XV& x_val, const YV& y_val,
                   const fit_options& options = {}) {
        static_assert(detail::check_data_type<scalar, X>() && detail::check_data_type<scalar, Y>()
                      && detail::check_data_type<scalar, XV>() && detail::check_data_type<scalar, YV>());
        // before any epoch is trained: a non-finite value would make every validation loss NaN;
        // on every rank, so that a rank given other data stops the others too
        on_every_rank("fit (validation data)", [&] {
            const data_shape shape = check_data(x_val, y_val, "fit (validation data)");
            if (shape.rows == 0) throw shape_error("ctnn: fit: the validation data has no rows");
            const std::string found = first_non_finite_in_data(
                detail::values_of(x_val), y_val, detail::lengths_of(x_val), shape.rows, shape.steps,
                [](std::size_t i) { return i; });
            if (!found.empty())
                throw non_finite_error("ctnn: fit (validation data): " + found + "; the data must be finite");
        });
        return fit_with(x, y, &x_val, &y_val, options);
    }

    /// The same with the last `split.fraction` of the rows of (x, y) as the validation data
    /// (Keras's validation_split: taken before shuffling, never trained on). Rows are viewed,
    /// not copied.
    template <class X, class Y>
    fit_result fit(const X& x, const Y& y, validation_split split, const fit_options& options = {}) {
        static_assert(detail::check_data_type<scalar, X>() && detail::check_data_type<scalar, Y>());
        const auto [rows, trained] = on_every_rank("fit", [&] {
            if (!(split.fraction > 0.0 && split.fraction < 1.0))
                throw invalid_argument("ctnn: fit: validation_split needs a fraction in (0, 1), got "
                                       + detail::number_string(split.fraction));
            const std::size_t all = check_data(x, y, "fit").rows;  // whole: a bad label is named by its row in x
            // Keras: the first int(rows·(1 − fraction)) rows train
            const std::size_t kept = std::size_t(double(all) * (1.0 - split.fraction));
            if (kept == 0 || kept == all)
                throw invalid_argument("ctnn: fit: validation_split " + detail::number_string(split.fraction) + " of "
                                       + std::to_string(all) + " rows leaves "
                                       + (kept == 0 ? "nothing to train on" : "no validation rows"));
            return std::pair<std::size_t, std::size_t>{all, kept};
        });
        const auto& data = detail::values_of(x);
        const auto x_train = row_range(data, 0, trained), y_train = row_range(y, 0, trained);
        const auto x_val = row_range(data, trained, rows), y_val = row_range(y, trained, rows);
        if constexpr (detail::is_padded<X>) {
            const padded_sequences padded_train(x_train, x.lengths().subspan(0, trained));
            const padded_sequences padded_val(x_val, x.lengths().subspan(trained));
            return fit_with(padded_train, y_train, &padded_val, &y_val, options);
        } else {
            return fit_with(x_train, y_train, &x_val, &y_val, options);
        }
    }

private:
    struct no_validation {};

    // Rows [first, last) of row-major data, viewed in place (no copy), any rank.
    template <class D>
    static auto row_range(const D& d, std::size_t first, std::size_t last) {
        std::vector<std::size_t> shape(d.shape().begin(), d.shape().end());
        const std::size_t per_row = shape.empty() || shape[0] == 0 ? 0 : d.size() / shape[0];
        shape[0] = last - first;
        return xt::adapt(const_cast<scalar*>(d.data()) + first * per_row, (last - first) * per_row, xt::no_ownership(),
                         shape);
    }

    template <class XP, class Y, class XV, class YV>
    fit_result fit_with(const XP& x_given, const Y& y, const XV* x_val, const YV* y_val,
                        const fit_options& options) {
        const data_shape shape = on_every_rank("fit", [&] {
            const data_shape s = check_data(x_given, y, "fit");
            if (s.rows == 0) throw shape_error("ctnn: fit: x has no rows");
            if (!options.metrics.empty() && !x_val)
                throw invalid_argument("ctnn: fit: fit_options::metrics are measured on validation data: pass it, "
                                       "fit(x, y, x_val, y_val, options) or fit(x, y, validation_split{0.2}, options)");
            for (const epoch_metric& metric : options.metrics)
                if (!metric.compute) throw invalid_argument("ctnn: fit: metric '" + metric.name + "' has no function");
            return s;
        });
        const auto& x = detail::values_of(x_given);
        const auto lengths = detail::lengths_of(x_given);
        const std::size_t rows = shape.rows, steps = shape.steps;
        // Distributed, every rank holds the whole data set and takes its share of each batch of
        // `ranks` × batch_size rows (of the one seeded order): training on N ranks is training
        // one process on batches N times as large. The batches' first rows must be the same rows.
        const std::size_t ranks = distribution_.ranks();
        // rows of one step over all ranks, and the most one rank takes of them
        const std::size_t global_batch =
            options.batch_size == 0 ? rows : std::min(options.batch_size * ranks, rows);
        const std::size_t batch = (global_batch + ranks - 1) / ranks;
        // drop_last leaves out a short last batch (never the only one: batch ≤ rows). Distributed,
        // a last batch of fewer rows than ranks is left out too: some rank would have none.
        std::size_t trained_rows = options.drop_last ? rows - rows % global_batch : rows;
        if (distributed && trained_rows % global_batch != 0 && trained_rows % global_batch < ranks)
            trained_rows -= trained_rows % global_batch;
        const std::size_t steps_per_epoch = (trained_rows + global_batch - 1) / global_batch;
        // a schedule with an end refuses a fit that would take it past it, before anything changes
        if constexpr (schedule_per_step)
            require_schedule_moves(scheduled_steps_, options.epochs * steps_per_epoch, "fit");
        else
            require_schedule_moves(epochs_, options.epochs, "fit");
        if constexpr (distributed) {
            distribution_.require_same(rows, "fit: rows of x");
            distribution_.require_same(options.seed, "fit: fit_options::seed");
            distribution_.require_same(options.batch_size, "fit: fit_options::batch_size");
            distribution_.require_same(options.epochs, "fit: fit_options::epochs");
            distribution_.require_same(std::uint64_t(options.shuffle) | std::uint64_t(options.drop_last) << 1,
                                       "fit: fit_options::shuffle and drop_last (bits 0 and 1)");
            distribution_.require_same(optimizer_.lr, "fit: the optimizer's learning rate");
            if (rows < ranks)  // the same rows on every rank: every rank throws alike
                throw shape_error("ctnn: fit: x has " + std::to_string(rows) + " rows for "
                                  + std::to_string(ranks) + " ranks; every rank needs at least one row of each step");
            distribution_.share_weights(net_);
        }
        net_.reserve(batch, steps);
        if (!net_.training()) net_.set_training(true);

        // The network reads its input feature-major, xᵀ (In, B): each batch is transposed into the
        // network's own input buffer as it comes, from x's contiguous rows without shuffling, or
        // with shuffling from a row-major staging batch its rows are gathered into (whole-row
        // copies). So fit copies no more than a batch, and a batch's transpose stays in cache
        // (transposing all of x at the start cost a one-epoch fit more than the per-batch
        // transposes: docs/benchmarks.md).
        const bool gather = options.shuffle && global_batch < rows;
        const std::size_t x_per_row = steps * input_width;
        const std::size_t y_per_row = (sequence_targets ? steps : 1) * target_width;
        tensor<scalar, 1> x_batch, y_batch;
        // Full-batch training (one batch of every row, in order) transposes x once, not once
        // per epoch: that copy is no larger than a batch.
        const bool whole_batch = !sequences && !gather && batch == rows && !distributed;
        tensor<scalar, 1> x_t;
        if (whole_batch) {
            x_t = tensor<scalar, 1>::from_shape({rows * input_width});
            detail::transpose_rows<input_width>(x.data(), x_t.data(), rows);
        }
        // the order shuffled_order reports, from the one mechanism both use, going on from the
        // trainer's epoch clock: a later call (or one after a load) continues the sequence. The
        // last fit's order is kept, so fit(1) in a loop goes on with it instead of drawing every
        // earlier epoch's again (quadratic in the epochs).
        if (gather && !(order_ && order_->continues(rows, options.seed, epochs_))) {
            order_.emplace(rows, options.seed);
            order_->skip(epochs_);
        }
        detail::epoch_order* const order = gather ? &*order_ : nullptr;
        if (gather) {
            x_batch = tensor<scalar, 1>::from_shape({batch * x_per_row});
            y_batch = tensor<scalar, 1>::from_shape({batch * y_per_row});
        }
        std::vector<std::size_t> batch_lengths(gather && !lengths.empty() ? batch : 0);
        // The lengths of the batch of rows [first, first + n), once forward_batch has gathered it.
        auto lengths_of_batch = [&](std::size_t first, std::size_t n) -> std::span<const std::size_t> {
            if (lengths.empty()) return {};
            if (gather) return {batch_lengths.data(), n};
            return lengths.subspan(first, n);
        };

        // The batch of rows [first, first + n) of this epoch's order -> ŷ, and its targets.
        auto forward_batch = [&](std::size_t first, std::size_t n) -> std::pair<const scalar*, const scalar*> {
            const scalar* xb = x.data() + first * x_per_row;
            const scalar* yb = y.data() + first * y_per_row;
            if (gather) {
                for (std::size_t i = 0; i < n; ++i) {
                    const std::size_t r = (*order)[first + i];
                    std::copy_n(x.data() + r * x_per_row, x_per_row, x_batch.data() + i * x_per_row);
                    std::copy_n(y.data() + r * y_per_row, y_per_row, y_batch.data() + i * y_per_row);
                    if (!lengths.empty()) batch_lengths[i] = lengths[r];
                }
                xb = x_batch.data();
                yb = y_batch.data();
            }
            if constexpr (sequences)
                return {net_.forward(xb, n, steps, lengths_of_batch(first, n)), yb};
            else if (whole_batch)
                return {net_.forward_transposed(x_t.data(), rows, n), yb};
            else
                return {net_.forward(xb, n), yb};
        };

        fit_result result;
        result.epoch_losses.reserve(options.epochs);
        result.history.reserve(options.epochs);
        for (callback& c : options.callbacks) c.on_fit_begin();
        // Distributed, rank 0 alone prints: every rank's report is the same.
        std::FILE* const log = distribution_.rank() == 0 ? options.log : nullptr;
        // Unset, progress shows on a terminal unless the caller reports epochs its own way
        // (print_every, on_epoch, on_step): then a terminal prints what a pipe prints.
        const bool show_progress = options.progress.value_or(
            log != nullptr && detail::is_terminal(log) && options.print_every == 0 && !options.on_epoch
            && !options.on_step);
        detail::fit_progress progress(log, show_progress, options.epochs, steps_per_epoch, trained_rows);
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t epoch = 0; epoch < options.epochs; ++epoch) {
            if (gather) order->next();
            progress.begin_epoch();
            largest_written_current_ = false;  // the last epoch's callbacks held the network
            epoch_report report{.epoch = epoch, .trainer_epoch = epochs_, .learning_rate = optimizer_.lr};
            double weighted_loss = 0.0;
            double counted_weight = 0.0;
            for (std::size_t step_first = 0; step_first < trained_rows; step_first += global_batch) {
                // this rank's share of the step's rows: all of them in one process
                const std::size_t step_rows = std::min(global_batch, rows - step_first);
                const std::size_t first = step_first + step_rows * distribution_.rank() / ranks;
                const std::size_t n = step_first + step_rows * (distribution_.rank() + 1) / ranks - first;
                const auto row_of = [&](std::size_t i) { return gather ? (*order)[first + i] : first + i; };
                const step_report& s = guarded_step(x, y, lengths, epoch, n, steps, row_of, [&]() -> const step_report& {
                    const auto [out, yb] = forward_batch(first, n);
                    return finish_step(out, yb, n, steps, lengths_of_batch(first, n), options.on_non_finite);
                });
                ++report.steps;
                if (s.applied) {
                    // each step's mean weighted by what it averaged (loss::mean_weight): its
                    // rows, with padded sequences and per-step targets its real steps, with
                    // class weights their sum (as evaluate weights them); distributed, what
                    // every rank's share averaged
                    weighted_loss += s.loss * step_weight_;
                    counted_weight += step_weight_;
                } else {
                    ++report.skipped_steps;
                }
                report.gradient_norm = s.gradient_norm;
                // distributed, a throw on one rank stops every rank (fit's options are the same on every rank)
                if (options.on_step) {
                    on_every_rank("fit: on_step", [&] { options.on_step(s); });
                    largest_written_current_ = false;  // it may hold the network too
                }
                if (progress.live())
                    progress.step(epoch, report.steps, step_first + step_rows,
                                  counted_weight > 0.0 ? weighted_loss / counted_weight
                                                       : std::numeric_limits<double>::quiet_NaN());
            }
            report.loss = counted_weight > 0.0 ? weighted_loss / counted_weight
                                               : std::numeric_limits<double>::quiet_NaN();
            if constexpr (!std::is_same_v<XV, no_validation>) {
                if (x_val) {
                    const measured m = measure(*x_val, *y_val, "fit (validation data)", !options.metrics.empty());
                    report.validation_loss = m.loss;
                    report.validation_accuracy = m.accuracy;
                    for (const epoch_metric& metric : options.metrics)
                        report.validation_metrics.emplace_back(metric.name, metric.compute(m.prediction, m.target));
                }
            }
            result.epoch_losses.push_back(report.loss);
            result.steps += report.steps;
            result.skipped_steps += report.skipped_steps;
            ++epochs_;
            // With validation data the schedule judges the validation loss, as PyTorch's
            // scheduler.step(val_loss) does: reduce_on_plateau then cuts the rate on a plateau
            // of what matters, not of the training loss.
            if constexpr (!schedule_per_step)
                optimizer_.lr = scheduled_rate(epochs_, x_val ? report.validation_loss : report.loss);
            report.seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            result.history.add(report);
            if (options.print_every && epoch % options.print_every == 0 && log)
                progress.print_every_line(log, report);
            progress.end_epoch(report);
            bool stop = false;
            // distributed: a callback that throws on one rank (a failed checkpoint) stops every rank
            on_every_rank("fit: the end of an epoch", [&] {
                if (options.on_epoch) options.on_epoch(report);
                for (callback& c : options.callbacks) stop |= c.on_epoch_end(report) == fit_control::stop;
            });
            if constexpr (distributed) {  // a stop on any rank stops every rank
                double stops[] = {stop ? 1.0 : 0.0};
                distribution_.sum(std::span<double>(stops));
                stop = stops[0] != 0.0;
            }
            if (stop) {
                result.stopped_early = epoch + 1 < options.epochs;
                break;
            }
        }
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        for (callback& c : options.callbacks) c.on_fit_end(result);
        return result;
    }

public:

    /// The loss of the network on (x, y), without training; mean over all rows.
    template <class X, class Y>
    double evaluate(const X& x, const Y& y) {
        static_assert(detail::check_data_type<scalar, X>() && detail::check_data_type<scalar, Y>());
        return measure(x, y, "evaluate").loss;
    }

private:
    /// Mean loss, and for a class-label loss (one label column, several outputs) the accuracy.
    struct measured {
        double loss;
        double accuracy = std::numeric_limits<double>::quiet_NaN();
        tensor<double, 2> prediction{};  // (output rows, outputs), when asked for
        tensor<double, 2> target{};      // (output rows, target columns)
    };
    static constexpr bool class_labels = target_width == 1 && output_width >= 2;
    static constexpr bool schedule_per_step = detail::schedule_steps_per_batch<Schedule>();

    // Chunk by chunk in evaluation mode. With padded sequences and per-step targets only the
    // real steps count: the loss is the mean over them, and they alone are kept and judged.
    template <class XP, class Y>
    measured measure(const XP& x_given, const Y& y, const char* where, bool keep_predictions = false) {
        const data_shape shape = on_every_rank(where, [&] {
            const data_shape s = check_data(x_given, y, where);
            if (s.rows == 0) throw shape_error(std::string("ctnn: ") + where + ": x has no rows");
            return s;
        });
        const auto& all_x = detail::values_of(x_given);
        const auto all_lengths = detail::lengths_of(x_given);
        const std::size_t steps = shape.steps;
        // Distributed, each rank judges its share of the rows and the sums are combined.
        if constexpr (distributed) distribution_.require_same(shape.rows, std::string(where) + ": rows of x");
        const std::size_t begin = shape.rows * distribution_.rank() / distribution_.ranks();
        const std::size_t rows = shape.rows * (distribution_.rank() + 1) / distribution_.ranks() - begin;
        const scalar* x_rows = all_x.data() + begin * steps * input_width;
        const scalar* y_rows = y.data() + begin * (sequence_targets ? steps : 1) * target_width;
        const auto lengths = all_lengths.empty() ? all_lengths : all_lengths.subspan(begin, rows);
        const typename Network::evaluation_mode eval(net_);
        const std::size_t chunk = std::max<std::size_t>(net_.capacity(), sequences ? 64 : 256);
        net_.reserve(std::max<std::size_t>(1, std::min(rows, chunk)), steps);
        const std::size_t x_per_row = steps * input_width;
        const std::size_t y_per_row = (sequence_targets ? steps : 1) * target_width;
        const std::size_t judged_rows = sequence_targets ? detail::real_steps(lengths, rows, steps) : rows;
        double weighted = 0.0, weight = 0.0;
        [[maybe_unused]] std::size_t right = 0;
        measured m{.loss = 0.0};
        if (keep_predictions) {
            m.prediction = tensor<double, 2>::from_shape({judged_rows, output_width});
            m.target = tensor<double, 2>::from_shape({judged_rows, target_width});
        }
        std::size_t kept = 0;  // rows of m.prediction written
        for (std::size_t first = 0; first < rows; first += chunk) {
            const std::size_t n = std::min(chunk, rows - first);
            const auto chunk_lengths = lengths.empty() ? lengths : lengths.subspan(first, n);
            const scalar* out = forward_rows(x_rows + first * x_per_row, n, steps, chunk_lengths);
            const judged j = judged_rows_of(out, y_rows + first * y_per_row, n, steps, chunk_lengths);
            if (keep_predictions) {
                std::copy_n(j.prediction, j.rows * output_width, m.prediction.data() + kept * output_width);
                std::copy_n(j.target, j.rows * target_width, m.target.data() + kept * target_width);
                kept += j.rows;
            }
            const auto prediction = detail::matrix_view(j.prediction, j.rows, output_width);
            const auto target = detail::matrix_view(j.target, j.rows, target_width);
            // each chunk's mean weighted by what it averaged (its rows or real steps, or with
            // class weights their sum): the mean of the whole set, as one batch of it would give
            const double chunk_weight = ctnn::loss::mean_weight(loss_, target, j.rows);
            if (chunk_weight > 0.0) {  // a chunk of weight 0 has no mean (0/0) and adds nothing
                weighted += ctnn::loss::value(loss_, prediction, target) * chunk_weight;
                weight += chunk_weight;
            }
            if constexpr (class_labels)
                for (std::size_t i = 0; i < j.rows; ++i)
                    right += detail::row_argmax(j.prediction + i * output_width, output_width)
                             == static_cast<std::size_t>(j.target[i]);
        }
        // A loss that is not finite because the data is not: refused, naming the value, as a
        // training step's is (a NaN validation loss would pass for "not measured").
        const auto refuse_non_finite_data = [&](double loss) {
            if (std::isfinite(loss)) return;
            on_every_rank(where, [&] {
                const std::string found = first_non_finite_in_data(all_x, y, all_lengths, rows, steps,
                                                                   [&](std::size_t i) { return begin + i; });
                if (!found.empty())
                    throw non_finite_error(std::string("ctnn: ") + where + ": the loss is "
                                           + detail::number_string(loss) + ": " + found);
            });
        };
        if constexpr (distributed) {
            // the same sums, bit for bit, on every rank: schedules and early stopping agree
            double sums[] = {weighted, weight, double(right), double(judged_rows)};
            distribution_.sum(std::span<double>(sums));
            m.loss = sums[0] / sums[1];
            refuse_non_finite_data(m.loss);
            if constexpr (class_labels) m.accuracy = sums[2] / sums[3];
            if (keep_predictions) {
                m.prediction = distribution_.gather_rows(m.prediction);
                m.target = distribution_.gather_rows(m.target);
            }
            return m;
        }
        m.loss = weighted / weight;
        refuse_non_finite_data(m.loss);
        if constexpr (class_labels) m.accuracy = double(right) / double(judged_rows);
        return m;
    }

    /// The rows of ŷ and y the loss judges: all of them, or with padded sequences and per-step
    /// targets the real steps only, gathered into packed buffers.
    struct judged {
        const scalar* prediction;
        const scalar* target;
        std::size_t rows;
    };
    judged judged_rows_of(const scalar* out, const scalar* y, std::size_t rows, std::size_t steps,
                          std::span<const std::size_t> lengths) {
        const std::size_t all = output_rows(rows, steps);
        if constexpr (sequence_targets) {
            const std::size_t real = detail::real_steps(lengths, rows, steps);
            if (real != all) {
                detail::ensure_capacity(real_prediction_, real * output_width);
                detail::ensure_capacity(real_target_, real * target_width);
                detail::for_each_real_step(lengths, steps, [&](std::size_t row, std::size_t i) {
                    std::copy_n(out + row * output_width, output_width, real_prediction_.data() + i * output_width);
                    std::copy_n(y + row * target_width, target_width, real_target_.data() + i * target_width);
                });
                return {real_prediction_.data(), real_target_.data(), real};
            }
        }
        return {out, y, all};
    }

    struct data_shape {
        std::size_t rows = 0;
        std::size_t steps = 0;
    };

    template <class XP, class Y>
    data_shape check_data(const XP& x_given, const Y& y, const char* where) const {
        static_assert(diagnostics::check_padded_input<XP, detail::is_padded<XP>, sequences>());
        const auto& x = detail::values_of(x_given);
        if constexpr (sequences) {
            const auto [rows, steps] = detail::check_sequences(x, input_width, where, "x");
            const auto lengths = detail::lengths_of(x_given);
            detail::check_lengths(lengths, rows, steps, where);
            if constexpr (sequence_targets) {
                const auto target = detail::check_sequences(y, target_width, where, "y");
                if (target.steps != steps)
                    throw shape_error("ctnn: " + std::string(where) + ": y has "
                                      + std::to_string(target.steps) + " steps but x has "
                                      + std::to_string(steps) + "; every step needs a target");
            } else {
                refuse_one_hot(y, where);
                detail::check_matrix(y, target_width, where, "y");
            }
            detail::check_rows(y, rows, where, "y");
            check_labels(y, rows, sequence_targets ? steps : 1, sequence_targets ? lengths : std::span<const std::size_t>{});
            return {rows, steps};
        } else {
            const std::size_t rows = detail::check_samples(x, Network::shapes.front(), where, "x");
            refuse_one_hot(y, where);
            detail::check_matrix(y, target_width, where, "y");
            detail::check_rows(y, rows, where, "y");
            check_labels(y, rows, 1);
            return {rows, 1};
        }
    }

    // A class-label loss given one column per class (one-hot rows, probabilities) says so and
    // names the loss that reads them, rather than only "expected (rows, 1)".
    template <class Y>
    static void refuse_one_hot(const Y& y, const char* where) {
        if constexpr (class_labels) {
            if (y.dimension() == 2 && y.shape()[1] == output_width)
                throw shape_error("ctnn: " + std::string(where) + ": y has shape " + detail::shape_string(y.shape())
                                  + ", one column per class, but " + std::string(Loss::name)
                                  + " reads one class label per row, (" + std::to_string(y.shape()[0])
                                  + ", 1); for one-hot or probability targets use "
                                    "loss::probability_cross_entropy (on logits), or give each row's class "
                                    "index");
        }
    }

    // Class labels are checked once against all of y, so a bad one is named by its row in the
    // data: the loss itself only sees a batch, whose row 7 may be the data's row 57. A padded
    // step's label is never read (it may be any placeholder, such as -100).
    template <class Y>
    void check_labels(const Y& y, std::size_t rows, std::size_t per_row,
                      std::span<const std::size_t> lengths = {}) const {
        if constexpr (class_labels) {
            for (std::size_t i = 0; i < rows * per_row; ++i) {
                if (!lengths.empty() && i % per_row >= lengths[i / per_row]) continue;
                const double v = double(y.data()[i]);
                if (!detail::is_class_label(v, output_width))
                    detail::throw_invalid_label(Loss::name, i / per_row, v, output_width);
            }
        }
    }

    // f() on every rank; distributed, a rank where it threw stops every rank (distributed_error
    // with that rank's reason) rather than leaving the others waiting at the next exchange.
    template <class F>
    decltype(auto) on_every_rank(std::string_view where, F&& f) {
        if constexpr (distributed) {
            std::exception_ptr failure;
            try {
                // the agreement inside the try: f's result is returned from where it exists
                if constexpr (std::is_void_v<decltype(f())>) {
                    f();
                    distribution_.agree(nullptr, where);
                    return;
                } else {
                    auto result = f();
                    distribution_.agree(nullptr, where);
                    return result;
                }
            } catch (const distributed_error&) {
                throw;  // the agreement's own verdict: every rank throws it
            } catch (...) {
                failure = std::current_exception();
            }
            distribution_.agree(failure, where);  // throws
            throw distributed_error("ctnn: " + std::string(where) + ": a rank failed");  // not reached
        } else {
            return f();
        }
    }

    // One step of train_step or fit: its settings checked, its number taken, the forward state
    // kept, then `run` (forward pass and finish_step). Whatever it throws (a bad label, a
    // refused step) puts the forward state back, so nothing changes; a non-finite step also
    // names the first non-finite x (else y) of its batch, whose row i is row_of(i) of x and y.
    template <class X, class Y, class RowOf, class Run>
    const step_report& guarded_step(const X& x, const Y& y, std::span<const std::size_t> lengths, std::size_t epoch,
                                    std::size_t n, std::size_t steps, RowOf row_of, Run run) {
        validate_settings();
        if constexpr (schedule_per_step) require_schedule_moves(scheduled_steps_, 1, "a training step");
        last_ = step_report{.step = steps_++, .epoch = epoch, .rows = n, .learning_rate = double(optimizer_.lr)};
        net_.keep_forward_state();
        try {
            run();
        } catch (const non_finite_error& e) {
            last_.applied = false;  // what last_step() says after the throw
            net_.restore_forward_state();
            rethrow_locating_data(e, x, y, lengths, n, steps, row_of);
        } catch (...) {
            last_.applied = false;
            net_.restore_forward_state();
            throw;
        }
        if (!last_.applied) [[unlikely]]
            note_non_finite_data(x, y, lengths, n, steps, row_of);
        // A per-step schedule moves after every step that returned, applied or skipped, as a
        // PyTorch loop calls scheduler.step() after each batch.
        if constexpr (schedule_per_step) optimizer_.lr = scheduled_rate(++scheduled_steps_, last_.loss);
        return last_;
    }

    // A step refused for a non-finite loss, with x or y non-finite in the batch: the message
    // gains the first such value's row in the data (before shuffling) and its column, since
    // "loss nan" alone does not say which sample to look at. x is searched first (a non-finite
    // x makes every later value non-finite). `row_of(i)` maps batch row i to it; a padded step
    // (lengths indexed by data row) is never read, so never blamed.
    template <class X, class Y, class RowOf>
    [[noreturn, gnu::cold]] static void rethrow_locating_data(const non_finite_error& e, const X& x, const Y& y,
                                                               std::span<const std::size_t> lengths, std::size_t n,
                                                               std::size_t steps, RowOf row_of) {
        const std::string found = first_non_finite_in_data(x, y, lengths, n, steps, row_of);
        if (!found.empty()) throw non_finite_error(std::string(e.what()) + "; " + found);
        throw;
    }

    // A step skipped or rolled back names the data that made it non-finite, as a thrown one
    // does in its message: in its report (on_step, train_step's result) and, through the
    // monitor's optional hook, in the step's non_finite event.
    template <class X, class Y, class RowOf>
    [[gnu::cold]] void note_non_finite_data(const X& x, const Y& y, std::span<const std::size_t> lengths,
                                            std::size_t n, std::size_t steps, RowOf row_of) {
        last_.non_finite_data = first_non_finite_in_data(x, y, lengths, n, steps, row_of);
        if constexpr (requires { monitor_.observe_non_finite_data(last_); })
            if (!last_.non_finite_data.empty()) monitor_.observe_non_finite_data(last_);
    }

    // "x is nan at row 3, column 1" for the first non-finite value of the n data rows row_of(i)
    // (x first, then y; a padded step never), or "".
    template <class X, class Y, class RowOf>
    [[gnu::cold]] static std::string first_non_finite_in_data(const X& x, const Y& y, std::span<const std::size_t> lengths,
                                                              std::size_t n, std::size_t steps, RowOf row_of) {
        // In data row r (per_row values, `width` to a step, the first `read` of them read)
        const auto locate = [&](const char* name, const scalar* row, std::size_t r, std::size_t read,
                                std::size_t width, bool by_step) -> std::string {
            for (std::size_t k = 0; k < read; ++k) {
                if (std::isfinite(row[k])) continue;
                std::string where = std::string(name) + " is " + detail::number_string(double(row[k])) + " at row "
                                    + std::to_string(r);
                if (by_step)
                    where += ", step " + std::to_string(k / width) + ", " + (name[0] == 'x' ? "feature " : "column ")
                             + std::to_string(k % width);
                else
                    where += ", column " + std::to_string(k);
                return where;
            }
            return {};
        };
        const std::size_t x_per_row = steps * input_width;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t r = row_of(i);
            std::string found = locate("x", x.data() + r * x_per_row, r,
                                       lengths.empty() ? x_per_row : lengths[r] * input_width, input_width, sequences);
            if (!found.empty()) return found;
        }
        const std::size_t y_per_row = (sequence_targets ? steps : 1) * target_width;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t r = row_of(i);
            const bool padded = sequence_targets && !lengths.empty();
            std::string found = locate("y", y.data() + r * y_per_row, r,
                                       padded ? lengths[r] * target_width : y_per_row, target_width, sequence_targets);
            if (!found.empty()) return found;
        }
        return {};
    }

    // x (rows, [steps,] input_width) row-major -> ŷ (output_rows, output_width) row-major.
    const scalar* forward_rows(const scalar* x, std::size_t rows, std::size_t steps,
                               std::span<const std::size_t> lengths) {
        if constexpr (sequences)
            return net_.forward(x, rows, steps, lengths);
        else
            return net_.forward(x, rows);
    }
    /// Rows of ŷ (and of the loss's view of y): a sequence output has one per sample and step.
    static std::size_t output_rows(std::size_t rows, std::size_t steps) {
        return sequence_targets ? rows * steps : rows;
    }

    // ŷ from the forward pass just run over `rows` samples of `steps` steps, y -> loss,
    // backward, clip, update, unless non-finite. last_ already names the step. With padded
    // sequences and per-step targets the loss sees the real steps only, and the padded steps'
    // gradient is 0.
    const step_report& finish_step(const scalar* out, const scalar* y, std::size_t rows, std::size_t steps,
                                   std::span<const std::size_t> lengths, non_finite_action on_non_finite) {
        const judged j = judged_rows_of(out, y, rows, steps, lengths);
        const auto prediction = detail::matrix_view(j.prediction, j.rows, output_width);
        const auto target = detail::matrix_view(j.target, j.rows, target_width);
        auto gradient = net_.output_gradient(output_rows(rows, steps));
        const auto loss_and_gradient = [&] {
            if (j.prediction == out) {
                last_.loss = ctnn::loss::value_and_gradient(loss_, prediction, target, gradient);
            } else {
                detail::ensure_capacity(real_gradient_, j.rows * output_width);
                auto real_gradient = detail::matrix_view(real_gradient_.data(), j.rows, output_width);
                last_.loss = ctnn::loss::value_and_gradient(loss_, prediction, target, real_gradient);
                // the real rows; the network's backward zeroes the padded ones
                detail::for_each_real_step(lengths, steps, [&](std::size_t row, std::size_t i) {
                    std::copy_n(real_gradient_.data() + i * output_width, output_width,
                                gradient.data() + row * output_width);
                });
            }
        };
        // Distributed: the step's loss is the mean over every rank's rows, and this rank's
        // gradients count by its share of them. A rank whose loss threw (a bad label) stops
        // every rank here, with its reason.
        if constexpr (distributed) {
            std::exception_ptr failure;
            try {
                loss_and_gradient();
            } catch (...) {
                failure = std::current_exception();
            }
            const double weight = failure ? 0.0 : ctnn::loss::mean_weight(loss_, target, j.rows);
            const auto combined = distribution_.combine_loss(last_.loss, weight, failure, last_.step);
            last_.loss = combined.loss;
            step_weight_ = combined.weight;
            distribution_.average_buffers(net_);  // running estimates moved by this rank's rows
        } else {
            loss_and_gradient();
            step_weight_ = ctnn::loss::mean_weight(loss_, target, j.rows);
        }
        if (state_revision_ != net_.revision()) [[unlikely]]
            forget_stale_optimizer_state();
        // Whether the largest values the last update recorded still describe the parameters:
        // only until this step changes anything, and set again when its update is kept.
        const bool recorded_largest = std::exchange(largest_written_current_, false);
        clip_result clipped{};
        bool healthy = true;  // the monitor's verdict: false refuses the step (an explosion)
        if (std::isfinite(last_.loss)) {
            if constexpr (fuses_sgd) {
                if (optimizer_.folds()) {
                    net_.backward_signals();
                    const auto bounds =
                        net_.bound_fused_step(optimizer_.folded(), optimizer_state_.data(), recorded_largest);
                    if (bounds.gradients) return apply_fused_step(on_non_finite, bounds.steps);
                    net_.form_weight_gradients();  // not provably finite: formed and judged as usual
                } else {
                    net_.backward();
                }
            } else {
                net_.backward();
            }
            // every rank holds the mean gradient over all ranks' rows from here on, so the
            // penalty, the monitor, the clip and the update decide the same on every rank
            if constexpr (distributed) distribution_.average_gradients(net_);
            // The penalty is part of the objective: in the reported loss, clipped with the rest.
            last_.loss += regularizer_.apply(net_);
            // Before clipping: an explosion is about the gradients as back-propagated.
            healthy = monitor_.observe_gradients(net_, last_);
            try {
                clipped = clip_.apply(net_);
            } catch (const non_finite_error& e) {
                throw_refused_by_clip(e);
            }
            clipped.finite = clipped.finite && std::isfinite(last_.loss);
            last_.gradient_norm = clipped.total_norm;
        } else {
            // No backward: the monitor looks for the layer whose output went non-finite.
            healthy = monitor_.observe_gradients(net_, last_);
            clipped.finite = false;
            last_.gradient_norm = std::numeric_limits<double>::quiet_NaN();
        }
        if (!clipped.finite || !healthy) {
            last_.applied = false;
            if (on_non_finite == non_finite_action::throw_error) throw_refused(clipped.finite);
            net_.restore_forward_state();  // thrown, guarded_step restores it
            if (on_non_finite == non_finite_action::rollback) roll_back();
            return last_;
        }
        // The state before this (healthy) update: put back if the update itself turns out
        // non-finite, and kept as the last good state for rollback. Taken after prepare, so that
        // state the optimizer allocates on its first step is in it and later snapshots fit in
        // the storage of earlier ones. Not taken when the optimizer shows the update stays
        // finite (the usual case: the copy was a large share of an Adam step) unless rollback
        // wants it. (The bound is collective when distributed: every rank asks, whatever its action.)
        prepare_optimizer_state();
        const bool keep = on_non_finite == non_finite_action::rollback;
        const bool bounded = (!keep || distributed) && update_stays_finite(clipped.gradient_bound, recorded_largest);
        if (keep || !bounded)
            capture_snapshot();
        else
            snapshot_.invalidate();
        monitor_.before_update(net_);
        for (auto& state : optimizer_state_) {
            state.last_update = optimizer_state_type::written::unknown;
            state.largest_known = false;
        }
        std::size_t i = 0;
        net_.for_each_parameter([&](auto& p) { optimizer_.update(p, optimizer_state_[i++]); });
        if (!detail::update_finite(net_, optimizer_state_)) [[unlikely]] {
            // before the weights are put back: the monitor names the layer the update broke
            if constexpr (requires { monitor_.observe_refused_update(net_, last_); })
                monitor_.observe_refused_update(net_, last_);
            return refuse_update(on_non_finite);
        }
        if (on_non_finite != non_finite_action::rollback) snapshot_.invalidate();
        monitor_.observe_update(net_, last_);
        largest_written_current_ = !distributed;
        return last_;
    }

    // clip::off, an optimizer that folds (plain SGD) over dense layers, no regularizer, no
    // monitor: each layer's step is folded into its weight-gradient product, so no gradient is
    // formed, read again or measured.
    static constexpr bool fuses_sgd = std::is_same_v<Clip, clip::off> && optim::folds_into_weight_gradient<Optimizer>
                                      && std::is_same_v<Regularizer, regularize::none>
                                      && std::is_same_v<Monitor, monitor::none> && Network::supports_fused_sgd
                                      && !distributed;  // the ranks average formed gradients

    // After backward_signals showed every weight gradient finite. When the step is also
    // certainly finite (step_bounded: the usual case), nothing is copied to undo it and nothing
    // is checked after it; rollback still keeps its last good state.
    const step_report& apply_fused_step(non_finite_action on_non_finite, bool step_bounded) {
        last_.gradient_norm = std::numeric_limits<double>::quiet_NaN();  // clip::off measures none
        const bool keep = !step_bounded || on_non_finite == non_finite_action::rollback;
        if (keep) {
            prepare_optimizer_state();
            capture_snapshot();
        } else {
            snapshot_.invalidate();
        }
        for (auto& state : optimizer_state_) state.largest_known = false;
        optimizer_state_type* states = optimizer_state_.data();
        net_.for_each_layer([&](auto& layer) {
            layer.fused_sgd_step(optimizer_, states);
            states += std::remove_cvref_t<decltype(layer)>::parameter_tensors;
        });
        if (!step_bounded && !detail::parameters_finite(net_, optimizer_state_)) [[unlikely]]
            return refuse_update(on_non_finite);
        if (on_non_finite != non_finite_action::rollback) snapshot_.invalidate();
        largest_written_current_ = true;
        return last_;
    }

    // The weights were replaced without this trainer (load, initialize): the state built for the
    // old ones is stale. Out of line: rare, and kept out of every step's code.
    [[gnu::cold, gnu::noinline]] void forget_stale_optimizer_state() noexcept { reset_optimizer_state(); }

    // Whether the optimizer shows that its update of every parameter stays finite for gradients
    // no larger than `gradient_bound` (optimizer_bounds_its_update), from the largest values of
    // each parameter and its state. Distributed, each rank reads its share of every tensor and
    // the ranks take the maxima: the same answer everywhere for half the reading on 2 ranks.
    // `recorded_largest`: the largest values the last update recorded (parameter_state::
    // largest_written) describe the parameters as they are (largest_written_current_).
    bool update_stays_finite(double gradient_bound, bool recorded_largest) {
        if constexpr (optimizer_bounds_its_update<Optimizer>) {
            if (!(gradient_bound < std::numeric_limits<double>::infinity())) return false;
            if constexpr (requires { optimizer_.can_bound_update(); })
                if (!optimizer_.can_bound_update()) return false;  // the same settings on every rank
            largest_.resize(optimizer_state_.size());
            const std::size_t rank = distribution_.rank(), ranks = distribution_.ranks();
            std::size_t i = 0;
            net_.for_each_parameter([&](const auto& p) {
                const std::size_t n = p.value.size();
                const auto& state = optimizer_state_[i];
                largest_[i] = recorded_largest && state.largest_known
                                  ? state.largest_written
                                  : detail::read_largest_values(p, state, n * rank / ranks, n * (rank + 1) / ranks);
                ++i;
            });
            if constexpr (distributed) combine_largest_values();
            bool all = true;
            i = 0;
            net_.for_each_parameter([&](const auto& p) {
                all = all && optimizer_.update_stays_finite(p, optimizer_state_[i], largest_[i], gradient_bound);
                ++i;
            });
            return all;
        } else {
            return false;
        }
    }

    // The ranks' largest values combined: maxima, and a sign seen negative on any rank.
    void combine_largest_values() {
        constexpr std::size_t K = optimizer_state_type::buffer_count;
        largest_flat_.resize(largest_.size() * (1 + 2 * K));
        double* at = largest_flat_.data();
        for (const auto& l : largest_) {
            *at++ = l.value;
            for (std::size_t k = 0; k < K; ++k) *at++ = l.buffers[k];
            for (std::size_t k = 0; k < K; ++k) *at++ = l.non_negative[k] ? 0.0 : 1.0;
        }
        distribution_.max(std::span<double>(largest_flat_));
        at = largest_flat_.data();
        for (auto& l : largest_) {
            l.value = *at++;
            for (std::size_t k = 0; k < K; ++k) l.buffers[k] = *at++;
            for (std::size_t k = 0; k < K; ++k) l.non_negative[k] = *at++ == 0.0;
        }
    }

    // The state before an update, and the weights' revision it belongs to (see roll_back).
    void capture_snapshot() {
        snapshot_.capture(net_, optimizer_state_);
        snapshot_revision_ = net_.revision();
    }

    // The optimizer's state for every parameter, allocated (at its initial value) on the first
    // step; nothing to do after that.
    void prepare_optimizer_state() {
        std::size_t i = 0;
        net_.for_each_parameter([&](const auto& p) { optimizer_.prepare(p, optimizer_state_[i++]); });
    }

    // The update just applied made a value or a moment non-finite (finite gradients can: a
    // large lr, float's range): it is undone from the snapshot taken before it, bit for bit,
    // and the step is refused as a non-finite gradient is. With rollback the snapshot stays the
    // last good state and the rate is cut.
    [[gnu::cold]] const step_report& refuse_update(non_finite_action on_non_finite) {
        const std::string where = detail::first_non_finite_parameter(net_, optimizer_state_, Optimizer::state_names);
        if (!snapshot_.valid())  // the optimizer's update_stays_finite said it could not happen
            throw non_finite_error("ctnn: non-finite update in training step " + std::to_string(last_.step) + ": "
                                   + where + "; " + std::string(Optimizer::name)
                                   + "'s update_stays_finite promised a finite update, so nothing was kept to undo it "
                                     "(a bug in that bound)");
        snapshot_.restore(net_, optimizer_state_);
        last_.applied = false;
        if (on_non_finite == non_finite_action::throw_error) {
            snapshot_.invalidate();
            const auto text = detail::format_message(
                "ctnn: non-finite update in training step %zu (epoch %zu): loss %g, gradient norm %g, %s lr %g; ",
                last_.step, last_.epoch, detail::message_number(last_.loss), detail::message_number(last_.gradient_norm),
                std::string(Optimizer::name).c_str(),
                double(optimizer_.lr));
            throw non_finite_error(std::string(text.c_str()) + where
                                   + "; the update was not applied, the weights and optimizer state are those before "
                                     "this step");
        }
        net_.restore_forward_state();  // thrown, guarded_step restores it
        if (on_non_finite == non_finite_action::rollback)
            cut_learning_rate();
        else
            snapshot_.invalidate();
        return last_;
    }

    // A schedule with an end (one_cycle's total_steps) refuses `moves` more moves after `done`
    // that would pass it. Asked before a step or a fit changes anything, so the step or the fit
    // is refused whole; torch applies the step and then raises.
    void require_schedule_moves(std::size_t done, std::size_t moves, const char* by) const {
        if constexpr (requires { schedule_.require_moves(done, moves, by); }) schedule_.require_moves(done, moves, by);
    }

    // Settings can change between steps (through optimizer(), clip() and monitor(), a
    // schedule's output, a rollback's cut, a load): each step checks them before anything
    // changes, so a step with an infinite rate, a negative max_norm or a monitor's decay of 1 is
    // refused with the setting's name, not applied.
    void validate_settings() const {
        optimizer_.validate();
        if constexpr (requires { schedule_.validate(); }) schedule_.validate();
        if constexpr (requires { clip_.validate(); }) clip_.validate();
        if constexpr (requires { regularizer_.validate(); }) regularizer_.validate();
        if constexpr (requires { monitor_.validate(); }) monitor_.validate();
    }

    // The schedule's rate at its clock `t`, judging `loss`. Its settings are checked again first:
    // they can change between steps (schedule(), an on_step callback), and a step_size or t_0
    // of 0 would divide by zero or loop for ever.
    double scheduled_rate(std::size_t t, double loss) {
        if constexpr (requires { schedule_.validate(); }) schedule_.validate();
        return schedule_.next(base_lr_, optimizer_.lr, t, loss);
    }

    // The clip's own refusal (by_global_norm's error_if_nonfinite) names the step and what
    // became of it, as the trainer's refusals do.
    [[noreturn, gnu::cold]] void throw_refused_by_clip(const non_finite_error& e) {
        last_.gradient_norm = std::numeric_limits<double>::quiet_NaN();
        std::string_view reason = e.what();
        if (reason.starts_with("ctnn: ")) reason.remove_prefix(6);
        const auto step = detail::format_message("ctnn: non-finite training step %zu (epoch %zu): loss %g; ", last_.step,
                                                 last_.epoch, detail::message_number(last_.loss));
        throw non_finite_error(std::string(step.c_str()) + std::string(reason)
                               + "; the update was not applied, the weights are those before this step");
    }

    [[noreturn]] void throw_refused(bool gradients_finite) const {
        // %g: a loss of 1e50 in six digits, not fifty; detail::format_message compiles less than
        // std::string.
        const char* what = gradients_finite ? "exploding" : "non-finite";
        const char* verdict = gradients_finite ? "refused by the monitor" : "the update was not applied";
        const auto text = detail::format_message(
            "ctnn: %s training step %zu (epoch %zu): loss %g, gradient norm %g; %s, the weights are those before "
            "this step",
            what, last_.step, last_.epoch, detail::message_number(last_.loss),
            detail::message_number(last_.gradient_norm), verdict);
        if constexpr (std::is_same_v<Monitor, monitor::none>) {
            if (gradients_finite) throw exploding_gradient_error(text.c_str());
            throw non_finite_error(text.c_str());
        } else {
            const std::string seen = monitor_.report();  // any length: not cut to the buffer
            const std::string full = seen.empty() ? std::string(text.c_str()) : text.c_str() + ("; monitor: " + seen);
            if (gradients_finite) throw exploding_gradient_error(full);
            throw non_finite_error(full);
        }
    }

    // Back to the weights and optimizer state before the last healthy update (if one was kept,
    // and no load or initialize replaced the weights since) and a smaller step from now on; the
    // schedule's base rate is cut too, so it stays cut.
    [[gnu::cold]] void roll_back() {
        if (snapshot_.valid() && snapshot_revision_ == net_.revision()) {
            snapshot_.restore(net_, optimizer_state_);
            if constexpr (requires { monitor_.observe_rollback(last_); }) monitor_.observe_rollback(last_);
        }
        cut_learning_rate();
    }
    void cut_learning_rate() {
        optimizer_.lr *= rollback_lr_factor_;
        base_lr_ *= rollback_lr_factor_;
        last_.rolled_back = true;
    }

    Network& net_;
    Loss loss_;
    Optimizer optimizer_;
    Clip clip_;
    Schedule schedule_;
    Regularizer regularizer_;
    [[no_unique_address]] Monitor monitor_;
    [[no_unique_address]] Distribution distribution_;
    std::vector<optimizer_state_type> optimizer_state_;  // one per parameter, for_each_parameter's order
    std::vector<optim::largest_values<optimizer_state_type::buffer_count>> largest_;  // see update_stays_finite
    std::vector<double> largest_flat_;  // largest_ as the ranks combine it
    // The optimizer states' largest_written describe the parameters and states as they are: set
    // by a kept update, cleared by anything that may write them in between (a step's start, a
    // train_step's caller, fit's on_step and an epoch's end, whose callbacks hold the network).
    bool largest_written_current_ = false;
    std::uint64_t state_revision_ = 0;                   // net_.revision() the state belongs to
    detail::parameter_snapshot<scalar> snapshot_;  // the state before the update: undone if non-finite, rollback's last good state
    std::uint64_t snapshot_revision_ = 0;  // net_.revision() when snapshot_ was taken
    double rollback_lr_factor_ = 0.5;
    double base_lr_;
    std::size_t epochs_ = 0;
    std::optional<detail::epoch_order> order_;  // fit's shuffled order, kept for the next fit
    std::size_t scheduled_steps_ = 0;  // steps a per-step schedule has seen
    double step_weight_ = 0.0;  // what the last step's loss is a mean over (loss::mean_weight); distributed, over every rank
    step_report last_{};
    std::size_t steps_ = 0;
    // padded sequences' real steps, packed, when the loss judges per-step targets
    detail::buffer<scalar> real_prediction_;
    detail::buffer<scalar> real_target_;
    detail::buffer<scalar> real_gradient_;
};

/// Policies in any order: each slot takes the argument that models its concept, or keeps its
/// default (`trainer{net, optim::adam{}, loss::mse{}}` is trainer<Net, loss::mse, optim::adam>).
template <class Network, class... Policies>
trainer(Network&, Policies...)
    -> trainer<Network, detail::policy_of_kind_t<detail::policy_kind::loss, loss::mse, Policies...>,
               detail::policy_of_kind_t<detail::policy_kind::optimizer, optim::sgd, Policies...>,
               detail::policy_of_kind_t<detail::policy_kind::clip, clip::none, Policies...>,
               detail::policy_of_kind_t<detail::policy_kind::schedule, schedule::constant, Policies...>,
               detail::policy_of_kind_t<detail::policy_kind::regularizer, regularize::none, Policies...>,
               detail::policy_of_kind_t<detail::policy_kind::monitor, monitor::none, Policies...>,
               detail::policy_of_kind_t<detail::policy_kind::distribution, distribute::single_process, Policies...>>;

}  // namespace ctnn
