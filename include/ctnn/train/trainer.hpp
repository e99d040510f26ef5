// trainer<Network, Loss, Optimizer, Clip>: one training step is forward, loss, backward, clip,
// update; the policies are template parameters with PyTorch's defaults.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "ctnn/clip/none.hpp"
#include "ctnn/core/errors.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/detail/affine.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/loss/mse.hpp"
#include "ctnn/optim/sgd.hpp"
#include "ctnn/regularize/none.hpp"
#include "ctnn/schedule/constant.hpp"
#include "ctnn/train/fit_options.hpp"

namespace ctnn {

template <class Network, class Loss = loss::mse, class Optimizer = optim::sgd,
          class Clip = clip::none, class Schedule = schedule::constant,
          class Regularizer = regularize::none>
class trainer {
    static_assert(diagnostics::check_loss<Loss>());
    static_assert(diagnostics::check_loss_fits_output<Loss, Network::output_width>());
    static_assert(diagnostics::check_optimizer<Optimizer>());
    static_assert(diagnostics::check_clip<Clip>());
    static_assert(diagnostics::check_schedule<Schedule>());
    static_assert(diagnostics::check_regularizer<Regularizer>());

public:
    using network_type = Network;
    using scalar = typename Network::scalar;
    using loss_type = Loss;
    using optimizer_type = Optimizer;
    using clip_type = Clip;
    using schedule_type = Schedule;
    using regularizer_type = Regularizer;
    static constexpr std::size_t input_width = Network::input_width;
    static constexpr std::size_t output_width = Network::output_width;
    /// Columns of y: output_width, or 1 for losses on class labels.
    static constexpr std::size_t target_width = detail::loss_target_width<Loss, output_width>();

    /// Holds `net` by reference: it must outlive the trainer. Throws invalid_argument for
    /// out-of-domain hyper-parameters. The optimizer's `lr` is the schedule's base rate.
    explicit trainer(Network& net, Loss loss = {}, Optimizer optimizer = {}, Clip clip = {},
                     Schedule schedule = {}, Regularizer regularizer = {})
        : net_(net), loss_(loss), optimizer_(optimizer), clip_(clip), schedule_(schedule),
          regularizer_(regularizer), base_lr_(optimizer.lr) {
        optimizer_.validate();
        if constexpr (requires { loss_.validate(); }) loss_.validate();
        if constexpr (requires { clip_.validate(); }) clip_.validate();
        if constexpr (requires { schedule_.validate(); }) schedule_.validate();
        if constexpr (requires { regularizer_.validate(); }) regularizer_.validate();
        optimizer_.lr = schedule_.initial(base_lr_);
    }

    Network& network() noexcept { return net_; }
    /// Mutable: change `lr` (a schedule) or other settings between steps.
    Optimizer& optimizer() noexcept { return optimizer_; }
    Clip& clip() noexcept { return clip_; }
    Schedule& schedule() noexcept { return schedule_; }
    Regularizer& regularizer() noexcept { return regularizer_; }
    /// Epochs completed by fit, over every call: the schedule's clock.
    std::size_t epochs() const noexcept { return epochs_; }
    const Loss& loss() const noexcept { return loss_; }

    /// The last step: its loss, its gradient norm before clipping, and whether it was applied.
    const step_report& last_step() const noexcept { return last_; }
    std::size_t steps() const noexcept { return steps_; }

    /// One optimisation step on a batch x (B, input_width), y (B, target_width).
    template <matrix_of<scalar> X, matrix_of<scalar> Y>
    step_report train_step(const X& x, const Y& y,
                           non_finite_action on_non_finite = non_finite_action::throw_error) {
        const std::size_t rows = check_data(x, y, "train_step");
        if (rows == 0) throw shape_error("ctnn: train_step: the batch has no rows");
        if (net_.capacity() < rows) net_.reserve(rows);
        if (!net_.training()) net_.set_training(true);
        last_ = step_report{.step = steps_++, .epoch = 0, .rows = rows};
        return finish_step(net_.forward(x.data(), rows), y.data(), rows, on_non_finite);
    }

    /// Trains for `options.epochs` epochs of mini-batches and returns the loss of each epoch.
    template <matrix_of<scalar> X, matrix_of<scalar> Y>
    fit_result fit(const X& x, const Y& y, const fit_options& options = {}) {
        const std::size_t rows = check_data(x, y, "fit");
        if (rows == 0) throw shape_error("ctnn: fit: x has no rows");
        const std::size_t batch =
            options.batch_size == 0 ? rows : std::min(options.batch_size, rows);
        net_.reserve(batch);
        if (!net_.training()) net_.set_training(true);

        // The network reads its input feature-major, xᵀ (In, B). Without shuffling, x is
        // transposed once and a batch is a column range of it (leading dimension = all rows);
        // with shuffling, each batch's rows are gathered straight into a packed xᵀ buffer.
        const bool gather = options.shuffle && batch < rows;
        tensor<scalar, 1> x_t = tensor<scalar, 1>::from_shape({(gather ? batch : rows) * input_width});
        tensor<scalar, 1> y_batch;
        std::vector<std::size_t> order;
        rng shuffler(options.seed);
        if (gather) {
            order.resize(rows);
            std::iota(order.begin(), order.end(), std::size_t(0));
            y_batch = tensor<scalar, 1>::from_shape({batch * target_width});
        } else {
            detail::transpose_rows<input_width>(x.data(), x_t.data(), rows);
        }

        fit_result result;
        result.epoch_losses.reserve(options.epochs);
        const auto start = std::chrono::steady_clock::now();
        for (std::size_t epoch = 0; epoch < options.epochs; ++epoch) {
            if (gather) shuffler.shuffle(order.begin(), order.end());
            epoch_report report{.epoch = epoch};
            double weighted_loss = 0.0;
            std::size_t counted_rows = 0;
            for (std::size_t first = 0; first < rows; first += batch) {
                const std::size_t n = std::min(batch, rows - first);
                const scalar* xb = x_t.data() + first;
                std::size_t ld = rows;
                const scalar* yb = y.data() + first * target_width;
                if (gather) {
                    for (std::size_t i = 0; i < n; ++i) {
                        const std::size_t r = order[first + i];
                        for (std::size_t k = 0; k < input_width; ++k)
                            x_t.data()[k * n + i] = x.data()[r * input_width + k];
                        std::copy_n(y.data() + r * target_width, target_width, y_batch.data() + i * target_width);
                    }
                    xb = x_t.data();
                    ld = n;
                    yb = y_batch.data();
                }
                last_ = step_report{.step = steps_++, .epoch = epoch, .rows = n};
                const step_report& s =
                    finish_step(net_.forward_transposed(xb, ld, n), yb, n, options.on_non_finite);
                ++report.steps;
                if (s.applied) {
                    weighted_loss += s.loss * double(n);
                    counted_rows += n;
                } else {
                    ++report.skipped_steps;
                }
                report.gradient_norm = s.gradient_norm;
                if (options.on_step) options.on_step(s);
            }
            report.loss = counted_rows ? weighted_loss / double(counted_rows)
                                       : std::numeric_limits<double>::quiet_NaN();
            result.epoch_losses.push_back(report.loss);
            result.steps += report.steps;
            result.skipped_steps += report.skipped_steps;
            if (options.print_every && epoch % options.print_every == 0 && options.log)
                std::fprintf(options.log, "Epoch: %zu, Loss: %.6f\n", epoch, report.loss);
            ++epochs_;
            optimizer_.lr = schedule_.next(base_lr_, optimizer_.lr, epochs_, report.loss);
            if (options.on_epoch) options.on_epoch(report);
        }
        result.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return result;
    }

    /// The loss of the network on (x, y), without training; mean over all rows.
    template <matrix_of<scalar> X, matrix_of<scalar> Y>
    double evaluate(const X& x, const Y& y) {
        const std::size_t rows = check_data(x, y, "evaluate");
        if (rows == 0) throw shape_error("ctnn: evaluate: x has no rows");
        const typename Network::evaluation_mode eval(net_);
        const std::size_t chunk = std::max<std::size_t>(net_.capacity(), 256);
        net_.reserve(std::min(rows, chunk));
        double weighted = 0.0;
        for (std::size_t first = 0; first < rows; first += chunk) {
            const std::size_t n = std::min(chunk, rows - first);
            const scalar* out = net_.forward(x.data() + first * input_width, n);
            const auto prediction = detail::matrix_view(out, n, output_width);
            const auto target = detail::matrix_view(y.data() + first * target_width, n, target_width);
            weighted += loss_.value(prediction, target) * double(n);
        }
        return weighted / double(rows);
    }

private:
    template <class X, class Y>
    std::size_t check_data(const X& x, const Y& y, const char* where) const {
        const std::size_t rows = detail::check_matrix(x, input_width, where, "x");
        detail::check_matrix(y, target_width, where, "y");
        detail::check_rows(y, rows, where, "y");
        return rows;
    }

    // ŷ (B, Out) from the forward pass just run, y (B, Out) -> loss, backward, clip, update,
    // unless non-finite. last_ already names the step.
    const step_report& finish_step(const scalar* out, const scalar* y, std::size_t rows,
                                   non_finite_action on_non_finite) {
        const auto prediction = detail::matrix_view(out, rows, output_width);
        const auto target = detail::matrix_view(y, rows, target_width);
        auto gradient = net_.output_gradient(rows);
        last_.loss = loss_.value_and_gradient(prediction, target, gradient);
        clip_result clipped{};
        if (std::isfinite(last_.loss)) {
            net_.backward();
            // The penalty is part of the objective: in the reported loss, clipped with the rest.
            last_.loss += regularizer_.apply(net_);
            clipped = clip_.apply(net_);
            clipped.finite = clipped.finite && std::isfinite(last_.loss);
            last_.gradient_norm = clipped.total_norm;
        } else {
            clipped.finite = false;
            last_.gradient_norm = std::numeric_limits<double>::quiet_NaN();
        }
        if (!clipped.finite) {
            last_.applied = false;
            if (on_non_finite == non_finite_action::throw_error)
                throw non_finite_error(
                    "ctnn: non-finite training step " + std::to_string(last_.step) + " (epoch "
                    + std::to_string(last_.epoch) + "): loss " + std::to_string(last_.loss)
                    + ", gradient norm " + std::to_string(last_.gradient_norm)
                    + "; the update was not applied, the weights are those before this step");
            return last_;
        }
        net_.for_each_parameter([&](auto& p) {
            optimizer_.prepare(p);
            optimizer_.update(p);
        });
        return last_;
    }

    Network& net_;
    Loss loss_;
    Optimizer optimizer_;
    Clip clip_;
    Schedule schedule_;
    Regularizer regularizer_;
    double base_lr_;
    std::size_t epochs_ = 0;
    step_report last_{};
    std::size_t steps_ = 0;
};

template <class Network>
trainer(Network&) -> trainer<Network>;
template <class Network, class Loss>
trainer(Network&, Loss) -> trainer<Network, Loss>;
template <class Network, class Loss, class Optimizer>
trainer(Network&, Loss, Optimizer) -> trainer<Network, Loss, Optimizer>;
template <class Network, class Loss, class Optimizer, class Clip>
trainer(Network&, Loss, Optimizer, Clip) -> trainer<Network, Loss, Optimizer, Clip>;
template <class Network, class Loss, class Optimizer, class Clip, class Schedule>
trainer(Network&, Loss, Optimizer, Clip, Schedule) -> trainer<Network, Loss, Optimizer, Clip, Schedule>;
template <class Network, class Loss, class Optimizer, class Clip, class Schedule, class Regularizer>
trainer(Network&, Loss, Optimizer, Clip, Schedule, Regularizer)
    -> trainer<Network, Loss, Optimizer, Clip, Schedule, Regularizer>;

}  // namespace ctnn
