// layer_norm<Activation>: PyTorch's nn.LayerNorm(width) followed by an activation. Each sample
// is normalised over its own features, the same way in training and in evaluation.
#pragma once

#include <array>
#include <cstddef>
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

/// The layer as it lives inside a network. A sample is a column of the feature-major (Width, B)
/// activations, so its statistics are accumulated row by row into per-sample (B) buffers: every
/// operation runs along the contiguous batch.
template <class T, std::size_t Width, class Activation, bool InputGradient>
class layer_norm_layer : public detail::weight_and_bias_visits<layer_norm_layer<T, Width, Activation, InputGradient>> {
public:
    using scalar = T;
    using activation_type = Activation;
    static constexpr std::string_view kind = "layer_norm";
    static constexpr std::size_t input_width = Width;
    static constexpr std::size_t output_width = Width;
    static constexpr std::size_t parameter_count = 2 * Width;
    /// The first layer's gradient with respect to the network's input is never needed.
    static constexpr bool computes_input_gradient = InputGradient;

    parameter<T, 1> weight;  // γ (Width), starts at 1
    parameter<T, 1> bias;    // β (Width), starts at 0

    /// Added to the variance before the square root.
    double eps = 1e-5;

    layer_norm_layer() {
        weight.reshape(std::array<std::size_t, 1>{Width});
        bias.reshape(std::array<std::size_t, 1>{Width});
        initialize(rng{});
    }

    /// γ = 1, β = 0, as nn.LayerNorm's reset_parameters: nothing is drawn.
    void initialize(rng) {
        weight.value.fill(T(1));
        bias.value.fill(T(0));
    }

    void validate() const {
        if (!(eps >= 0.0))
            throw invalid_argument("ctnn: layer_norm needs eps >= 0, got " + detail::number_string(eps));
    }

    /// Sizes the work buffers for batches of up to `rows` rows (only ever grows them).
    void reserve(std::size_t rows) {
        activation_.reserve(rows);
        detail::ensure_capacity(normalized_, rows * Width);
        detail::ensure_capacity(mean_, rows);
        detail::ensure_capacity(invstd_, rows);
        if constexpr (computes_input_gradient) detail::ensure_capacity(projection_, rows);
    }
    std::size_t capacity() const noexcept { return activation_.capacity(); }

    // xᵀ (Width, B), row k at in_t + k·ld (ld ≥ B) -> aᵀ = act(γ ⊙ x̂ + β) (Width, B) packed, where
    // each sample (column) is x̂ = (x − μ)/√(σ² + eps) with its own mean μ and biased variance σ²
    // over the Width features.
    const T* forward(const T* in_t, std::size_t ld, std::size_t rows) {
        validate();
        rows_ = rows;
        const T width = T(Width);
        auto row_in = [&](std::size_t k) { return detail::matrix_view(in_t + k * ld, 1, rows); };
        auto row_hat = [&](std::size_t k) {
            return detail::matrix_view(normalized_.data() + k * rows, 1, rows);
        };
        auto mean = detail::matrix_view(mean_.data(), 1, rows);
        auto invstd = detail::matrix_view(invstd_.data(), 1, rows);

        // μ (B) = Σ_k x_k / Width
        xt::noalias(mean) = row_in(0);
        for (std::size_t k = 1; k < Width; ++k) xt::noalias(mean) += row_in(k);
        xt::noalias(mean) = mean / width;
        // σ² (B) = Σ_k (x_k − μ)² / Width, accumulated in invstd's storage; x̂ holds x − μ
        invstd.fill(T(0));
        for (std::size_t k = 0; k < Width; ++k) {
            auto centred = row_hat(k);
            xt::noalias(centred) = row_in(k) - mean;
            xt::noalias(invstd) += centred * centred;
        }
        xt::noalias(invstd) = T(1) / xt::sqrt(invstd / width + T(eps));

        T* z = activation_.preactivation();
        for (std::size_t k = 0; k < Width; ++k) {
            auto xhat = row_hat(k);
            xt::noalias(xhat) = xhat * invstd;
            auto zv = detail::matrix_view(z + k * rows, 1, rows);
            xt::noalias(zv) = xhat * weight.value(k) + bias.value(k);
        }
        return activation_.activate(rows);
    }

    // daᵀ (Width, B), overwritten with dzᵀ = daᵀ ⊙ act'(z), then with dxᵀ -> dγ = Σ_b dz ⊙ x̂,
    // dβ = Σ_b dz (Width) into the parameters' grads; returns dxᵀ (Width, B) in da_t's storage
    // (nullptr for the first layer). Per sample, with g = γ ⊙ dz and means over the features:
    //   dx = (g − mean(g) − x̂ ⊙ mean(g ⊙ x̂)) / √(σ² + eps).
    T* backward(T* da_t) {
        const std::size_t rows = rows_;
        activation_.backpropagate(da_t, rows);
        for (std::size_t k = 0; k < Width; ++k) {
            const T* dz = da_t + k * rows;
            weight.grad(k) = detail::dot(dz, static_cast<const T*>(normalized_.data() + k * rows), rows);
            bias.grad(k) = detail::sum(dz, rows);
        }
        if constexpr (computes_input_gradient) {
            auto row_dz = [&](std::size_t k) { return detail::matrix_view(da_t + k * rows, 1, rows); };
            auto row_hat = [&](std::size_t k) {
                return detail::matrix_view(static_cast<const T*>(normalized_.data() + k * rows), 1, rows);
            };
            // mean_ no longer needed: it holds mean(g); projection_ holds mean(g ⊙ x̂).
            auto mean_g = detail::matrix_view(mean_.data(), 1, rows);
            auto projection = detail::matrix_view(projection_.data(), 1, rows);
            mean_g.fill(T(0));
            projection.fill(T(0));
            for (std::size_t k = 0; k < Width; ++k) {
                const T gamma = weight.value(k);
                xt::noalias(mean_g) += gamma * row_dz(k);
                xt::noalias(projection) += (gamma * row_dz(k)) * row_hat(k);
            }
            const T width = T(Width);
            xt::noalias(mean_g) = mean_g / width;
            xt::noalias(projection) = projection / width;
            const auto invstd = detail::matrix_view(static_cast<const T*>(invstd_.data()), 1, rows);
            for (std::size_t k = 0; k < Width; ++k) {
                auto dz = row_dz(k);
                xt::noalias(dz) = invstd * (weight.value(k) * dz - mean_g - row_hat(k) * projection);
            }
            return da_t;
        } else {
            return nullptr;
        }
    }

    /// The last forward pass's output, feature-major: aᵀ (Width, B).
    auto output() const { return activation_.output(rows_); }
    std::size_t rows() const noexcept { return rows_; }


private:
    detail::activation_stage<T, Width, Activation> activation_;
    detail::buffer<T> normalized_;  // x̂ᵀ (Width, B), kept for backward
    detail::buffer<T> mean_;        // per sample (B): μ in forward, mean(γ ⊙ dz) in backward
    detail::buffer<T> invstd_;      // per sample (B): 1/√(σ² + eps)
    detail::buffer<T> projection_;  // per sample (B): mean(γ ⊙ dz ⊙ x̂), backward only
    std::size_t rows_ = 0;
};

/// Layer normalisation of the previous layer's output, then `Activation`; the width is kept.
template <class Activation = identity>
struct layer_norm {
    static constexpr bool preserves_width = true;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_layer_width<layer_norm, Index, InputShape.size()>());
        static_assert(diagnostics::check_activation<Activation>());
        using type = layer_norm_layer<T, InputShape.size(), Activation, diagnostics::computes_input_gradient(Index)>;
    };
};

}  // namespace ctnn
