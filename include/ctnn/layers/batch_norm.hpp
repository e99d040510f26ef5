// batch_norm<Activation>: PyTorch's nn.BatchNorm1d(width) on features, nn.BatchNorm2d(C) on
// images, followed by an activation. Training normalises each feature (each channel, over its
// H·W pixels and the batch) with the statistics of the batch and updates running estimates of
// them; evaluation normalises with those running estimates.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "ctnn/activations/identity.hpp"
#include "ctnn/core/errors.hpp"
#include "ctnn/core/parameter.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/affine.hpp"
#include "ctnn/detail/activation_stage.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/number_string.hpp"
#include "ctnn/detail/weight_bias_parameters.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// The layer as it lives inside a network: `Width` normalised quantities (features, or an
/// image's channels) of `Pixels` rows each (1 for features, H·W for a channel). Activations are
/// feature-major, (Width·Pixels, B), so the statistics of one are Pixels consecutive rows.
template <class T, std::size_t Width, class Activation, bool InputGradient, std::size_t Pixels = 1>
class batch_norm_layer
    : public detail::weight_and_bias_visits<batch_norm_layer<T, Width, Activation, InputGradient, Pixels>> {
public:
    using scalar = T;
    using activation_type = Activation;
    static constexpr std::string_view kind = "batch_norm";
    static constexpr std::size_t input_width = Width * Pixels;
    static constexpr std::size_t output_width = Width * Pixels;
    static constexpr std::size_t parameter_count = 2 * Width;
    /// Elements of the running estimates: saved and loaded, never trained.
    static constexpr std::size_t buffer_count = 2 * Width;
    /// The first layer's gradient with respect to the network's input is never needed.
    static constexpr bool computes_input_gradient = InputGradient;

    parameter<T, 1> weight;  // γ (Width), starts at 1
    parameter<T, 1> bias;    // β (Width), starts at 0
    /// Running estimates used in evaluation mode (PyTorch's buffers; not trained).
    tensor<T, 1> running_mean;  // (Width), starts at 0
    tensor<T, 1> running_var;   // (Width), starts at 1; tracks the unbiased batch variance
    /// Training forward passes so far (PyTorch's num_batches_tracked).
    std::int64_t batches_tracked = 0;

    /// Added to the variance before the square root.
    double eps = 1e-5;
    /// running ← (1 − momentum)·running + momentum·batch statistic.
    double momentum = 0.1;

    batch_norm_layer() {
        weight.reshape(std::array<std::size_t, 1>{Width});
        bias.reshape(std::array<std::size_t, 1>{Width});
        running_mean = tensor<T, 1>::from_shape({Width});
        running_var = tensor<T, 1>::from_shape({Width});
        invstd_ = detail::buffer<T>(Width);
        kept_ = detail::buffer<T>(2 * Width);
        reset();
    }

    /// γ = 1, β = 0 and fresh running estimates, as nn.BatchNorm1d's reset_parameters: nothing
    /// is drawn.
    void initialize(rng) { reset(); }

    void validate() const {
        if (!(eps >= 0.0))
            throw invalid_argument("ctnn: batch_norm needs eps >= 0, got " + detail::number_string(eps));
        if (!(momentum >= 0.0 && momentum <= 1.0))
            throw invalid_argument("ctnn: batch_norm needs momentum in [0, 1], got "
                                   + detail::number_string(momentum));
    }

    /// Training mode normalises with batch statistics, evaluation mode with running ones.
    void set_training(bool on) noexcept { training_ = on; }
    bool training() const noexcept { return training_; }

    /// Sizes the work buffers for batches of up to `rows` rows (only ever grows them).
    void reserve(std::size_t rows) {
        activation_.reserve(rows);
        detail::ensure_capacity(normalized_, rows * input_width);
    }
    std::size_t capacity() const noexcept { return activation_.capacity(); }

    // xᵀ (Width·Pixels, B), row r at in_t + r·ld (ld ≥ B) -> aᵀ = act(γ ⊙ x̂ + β) packed, where
    // x̂ = (x − μ)/√(σ² + eps) per feature (channel): μ, σ² (biased) over its B·Pixels values in
    // training, the running estimates in evaluation. Training also updates the running
    // estimates (unbiased σ²).
    const T* forward(const T* in_t, std::size_t ld, std::size_t rows) {
        validate();
        if (training_ && rows * Pixels < 2)
            throw shape_error(std::string("ctnn: batch_norm in training mode needs more than 1 value per ")
                              + (Pixels == 1 ? "feature (a batch of at least 2 rows), got " : "channel, got ")
                              + std::to_string(rows) + (rows == 1 ? " row" : " rows"));
        rows_ = rows;
        batch_statistics_ = training_;
        T* z = activation_.preactivation();
        const std::size_t count = rows * Pixels;  // one feature's (channel's) values, packed
        const T n = T(count);
        for (std::size_t k = 0; k < Width; ++k) {
            // x̂'s rows of this feature are consecutive in normalized_, x's are ld apart
            T* xhat = normalized_.data() + k * count;
            const auto x_row = [&](std::size_t p) { return detail::matrix_view(in_t + (k * Pixels + p) * ld, 1, rows); };
            T mean, invstd;
            if (training_) {
                T total = T(0);
                for (std::size_t p = 0; p < Pixels; ++p) total += detail::sum(x_row(p).data(), rows);
                mean = total / n;
                for (std::size_t p = 0; p < Pixels; ++p)  // centred first: Σ(x − μ)² does not cancel
                    xt::noalias(detail::matrix_view(xhat + p * rows, 1, rows)) = x_row(p) - mean;
                const T var_sum = detail::dot(static_cast<const T*>(xhat), static_cast<const T*>(xhat), count);
                invstd = T(1) / std::sqrt(var_sum / n + T(eps));
                auto xhat_all = detail::matrix_view(xhat, 1, count);
                xt::noalias(xhat_all) = xhat_all * invstd;
                const T m = T(momentum);
                running_mean(k) = m * mean + T(1.0 - momentum) * running_mean(k);
                running_var(k) = m * (var_sum / (n - T(1))) + T(1.0 - momentum) * running_var(k);
            } else {
                mean = running_mean(k);
                invstd = T(1) / std::sqrt(running_var(k) + T(eps));
                for (std::size_t p = 0; p < Pixels; ++p)
                    xt::noalias(detail::matrix_view(xhat + p * rows, 1, rows)) = (x_row(p) - mean) * invstd;
            }
            invstd_[k] = invstd;
            // z = x·α + (β − μ·α) with α = γ/√(σ² + eps): PyTorch's order of operations.
            const T alpha = weight.value(k) * invstd;
            const T shift = bias.value(k) - mean * alpha;
            for (std::size_t p = 0; p < Pixels; ++p)
                xt::noalias(detail::matrix_view(z + (k * Pixels + p) * rows, 1, rows)) = x_row(p) * alpha + shift;
        }
        if (training_) ++batches_tracked;
        return activation_.activate(rows);
    }

    // daᵀ (Width·Pixels, B), overwritten with dzᵀ = daᵀ ⊙ act'(z), then with dxᵀ -> dγ = Σ dz ⊙ x̂,
    // dβ = Σ dz (Width; sums over a feature's n = B·Pixels values) into the parameters' grads;
    // returns dxᵀ in da_t's storage (nullptr for the first layer). With batch statistics μ and σ²
    // depend on x:
    //   dx = γ/√(σ² + eps) · (dz − dβ/n − x̂·dγ/n);  with running estimates: γ/√(var + eps) · dz.
    T* backward(T* da_t) {
        const std::size_t rows = rows_, count = rows * Pixels;
        activation_.backpropagate(da_t, rows);
        const T n = T(count);
        for (std::size_t k = 0; k < Width; ++k) {
            T* dz = da_t + k * count;
            const T* xhat = normalized_.data() + k * count;
            const T dgamma = detail::dot(static_cast<const T*>(dz), xhat, count);
            const T dbeta = detail::sum(static_cast<const T*>(dz), count);
            weight.grad(k) = dgamma;
            bias.grad(k) = dbeta;
            if constexpr (computes_input_gradient) {
                const T scale = weight.value(k) * invstd_[k];
                auto dzv = detail::matrix_view(dz, 1, count);
                if (batch_statistics_) {
                    const auto xv = detail::matrix_view(xhat, 1, count);
                    xt::noalias(dzv) = scale * (dzv - dbeta / n - xv * (dgamma / n));
                } else {
                    xt::noalias(dzv) = scale * dzv;
                }
            }
        }
        if constexpr (computes_input_gradient)
            return da_t;
        else
            return nullptr;
    }

    /// The last forward pass's output, feature-major: aᵀ (Width·Pixels, B).
    auto output() const { return activation_.output(rows_); }
    std::size_t rows() const noexcept { return rows_; }

    /// A training forward updates the running estimates; a step the trainer refuses must not.
    /// keep_forward_state remembers them (into a buffer sized once), restore_forward_state puts
    /// them back, bit for bit.
    void keep_forward_state() noexcept {
        std::copy_n(running_mean.data(), Width, kept_.data());
        std::copy_n(running_var.data(), Width, kept_.data() + Width);
        kept_batches_tracked_ = batches_tracked;
        has_kept_ = true;
    }
    void restore_forward_state() noexcept {
        if (!has_kept_) return;
        std::copy_n(kept_.data(), Width, running_mean.data());
        std::copy_n(kept_.data() + Width, Width, running_var.data());
        batches_tracked = kept_batches_tracked_;
    }

    /// Visits the state that is saved but not trained: f(name, running tensor or counter).
    template <class F>
    void for_each_buffer(F&& f) {
        f("running_mean", running_mean);
        f("running_var", running_var);
        f("num_batches_tracked", batches_tracked);
    }
    template <class F>
    void for_each_buffer(F&& f) const {
        f("running_mean", running_mean);
        f("running_var", running_var);
        f("num_batches_tracked", batches_tracked);
    }

private:
    void reset() {
        weight.value.fill(T(1));
        bias.value.fill(T(0));
        running_mean.fill(T(0));
        running_var.fill(T(1));
        batches_tracked = 0;
    }

    detail::activation_stage<T, input_width, Activation> activation_;
    detail::buffer<T> normalized_;  // x̂ᵀ (Width·Pixels, B), kept for backward
    detail::buffer<T> invstd_;      // 1/√(σ² + eps) of the last forward, per feature
    detail::buffer<T> kept_;        // running_mean, running_var as keep_forward_state found them
    std::int64_t kept_batches_tracked_ = 0;
    bool has_kept_ = false;
    std::size_t rows_ = 0;
    bool training_ = true;           // a network starts in training mode
    bool batch_statistics_ = false;  // whether the last forward used them (backward follows it)
};

/// Batch normalisation of the previous layer's output, then `Activation`; the shape is kept.
/// On features (and each step of a sequence) it is nn.BatchNorm1d, on an image nn.BatchNorm2d:
/// one γ, β and pair of running estimates per channel.
template <class Activation = identity>
struct batch_norm {
    static constexpr shape output_shape(shape in) noexcept { return in; }

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_layer_width<batch_norm, Index, InputShape.size()>());
        static_assert(diagnostics::check_activation<Activation>());
        static constexpr bool image = InputShape.is_image();
        using type = batch_norm_layer<T, image ? InputShape.channels : InputShape.size(), Activation,
                                      diagnostics::computes_input_gradient(Index),
                                      image ? InputShape.height * InputShape.width : 1>;
    };
};

}  // namespace ctnn
