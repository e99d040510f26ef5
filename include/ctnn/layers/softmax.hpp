// softmax<> and the layer behind it and log_softmax<>: PyTorch's nn.Softmax(dim=1) and
// nn.LogSoftmax(dim=1), over each sample's features (each time step's, on a sequence). Both
// are shifted by the sample's largest value, so logits of ±1000 neither overflow nor lose the
// gradient. Backward reads only the output: softmax's s ⊙ (da − ⟨da, s⟩), log-softmax's
// da − e^a·Σda.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/score_kind.hpp"

namespace ctnn {

/// The layer as it lives inside a network: no parameters. `Log`: log_softmax.
template <class T, std::size_t Width, bool Log, bool InputGradient>
class softmax_layer {
public:
    using scalar = T;
    static constexpr std::string_view kind = Log ? "log_softmax" : "softmax";
    static constexpr std::size_t input_width = Width;
    static constexpr std::size_t output_width = Width;
    static constexpr std::size_t parameter_count = 0;
    static constexpr bool computes_input_gradient = InputGradient;
    /// What the output holds, for predict_proba.
    static constexpr detail::score_kind scores =
        Log ? detail::score_kind::log_probabilities : detail::score_kind::probabilities;

    void initialize(rng) noexcept {}

    /// Sizes the output and the per-sample sums for up to `columns` samples (only grows them).
    void reserve(std::size_t columns) {
        detail::ensure_capacity(output_, columns * Width);
        detail::ensure_capacity(column_, columns);
    }
    std::size_t capacity() const noexcept { return column_.size(); }

    // xᵀ (Width, B), row k at in_t + k·ld (ld ≥ B) -> aᵀ (Width, B) packed, per column b:
    // m = maxₖ x, s = Σₖ e^(x − m); softmax e^(x − m)/s, log_softmax x − m − log s.
    // Row by row, so the loops run along the batch (contiguous, vectorised).
    const T* forward(const T* in_t, std::size_t ld, std::size_t columns) {
        columns_ = columns;
        T* out = output_.data();
        T* sum = column_.data();
        // The largest value of each column (a NaN in it makes s, so the column, NaN below)
        std::copy_n(in_t, columns, sum);
        for (std::size_t k = 1; k < Width; ++k) {
            const T* x = in_t + k * ld;
            for (std::size_t b = 0; b < columns; ++b) sum[b] = x[b] > sum[b] ? x[b] : sum[b];
        }
        // out ← x − m (kept), then s accumulated in the max's place
        for (std::size_t k = 0; k < Width; ++k) {
            const T* x = in_t + k * ld;
            T* o = out + k * columns;
            for (std::size_t b = 0; b < columns; ++b) o[b] = x[b] - sum[b];
        }
        std::fill_n(sum, columns, T(0));
        for (std::size_t k = 0; k < Width; ++k) {
            T* o = out + k * columns;
            if constexpr (Log) {
                for (std::size_t b = 0; b < columns; ++b) sum[b] += std::exp(o[b]);
            } else {
                for (std::size_t b = 0; b < columns; ++b) sum[b] += (o[b] = std::exp(o[b]));
            }
        }
        if constexpr (Log) {
            for (std::size_t b = 0; b < columns; ++b) sum[b] = std::log(sum[b]);
            for (std::size_t k = 0; k < Width; ++k) {
                T* o = out + k * columns;
                for (std::size_t b = 0; b < columns; ++b) o[b] -= sum[b];
            }
        } else {
            for (std::size_t k = 0; k < Width; ++k) {
                T* o = out + k * columns;
                for (std::size_t b = 0; b < columns; ++b) o[b] /= sum[b];
            }
        }
        return out;
    }

    // daᵀ (Width, B) -> dxᵀ (Width, B) in da_t's storage (nullptr for the first layer):
    // softmax dx = a ⊙ (da − Σₖ daₖaₖ); log_softmax dx = da − e^a·Σₖ daₖ.
    T* backward(T* da_t) {
        if constexpr (computes_input_gradient) {
            const T* a = output_.data();
            T* dot = column_.data();
            std::fill_n(dot, columns_, T(0));
            for (std::size_t k = 0; k < Width; ++k) {
                const T* d = da_t + k * columns_;
                const T* ak = a + k * columns_;
                if constexpr (Log) {
                    for (std::size_t b = 0; b < columns_; ++b) dot[b] += d[b];
                } else {
                    for (std::size_t b = 0; b < columns_; ++b) dot[b] += d[b] * ak[b];
                }
            }
            for (std::size_t k = 0; k < Width; ++k) {
                T* d = da_t + k * columns_;
                const T* ak = a + k * columns_;
                if constexpr (Log) {
                    for (std::size_t b = 0; b < columns_; ++b) d[b] -= std::exp(ak[b]) * dot[b];
                } else {
                    for (std::size_t b = 0; b < columns_; ++b) d[b] = ak[b] * (d[b] - dot[b]);
                }
            }
            return da_t;
        } else {
            return nullptr;
        }
    }

    template <class F>
    void for_each_parameter(F&&) const noexcept {}

private:
    detail::buffer<T> output_;  // aᵀ (Width, B): what backward reads
    detail::buffer<T> column_;  // per sample: the max, then Σe or log Σe; backward: the dot
    std::size_t columns_ = 0;
};

/// Probabilities over the features of each sample (or time step): a classifier's last layer
/// when its outputs are to be read as probabilities. Train with loss::softmax_cross_entropy on
/// the logits before it instead (no softmax layer): that pair is the stable one.
struct softmax {
    static constexpr bool preserves_width = true;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        using type = softmax_layer<T, InputShape.size(), false, diagnostics::computes_input_gradient(Index)>;
    };
};

}  // namespace ctnn
