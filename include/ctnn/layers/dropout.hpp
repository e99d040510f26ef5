// dropout<P>: PyTorch's nn.Dropout(p). In training each element is zeroed with probability p and
// the survivors are scaled by 1/(1 − p) (inverted dropout), so evaluation is the identity.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <ratio>
#include <string_view>
#include <type_traits>

#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// The layer as it lives inside a network. Masks come from the layer's own stream (the one
/// `initialize` is given), so a network seed fixes every mask of a run.
template <class T, std::size_t Width, class P, bool InputGradient>
class dropout_layer {
public:
    using scalar = T;
    static constexpr std::string_view kind = "dropout";
    static constexpr std::size_t input_width = Width;
    static constexpr std::size_t output_width = Width;
    static constexpr std::size_t parameter_count = 0;
    /// The first layer's gradient with respect to the network's input is never needed.
    static constexpr bool computes_input_gradient = InputGradient;
    /// The probability of zeroing an element in training.
    static constexpr double probability = double(P::num) / double(P::den);

    dropout_layer() = default;

    /// Restarts the mask stream.
    void initialize(rng stream) { stream_ = stream; }

    void set_training(bool on) noexcept { training_ = on; }

    /// A training forward draws masks; a step the trainer refuses must leave the stream where
    /// it was, so the run goes on as if that batch had not come.
    void keep_forward_state() noexcept { kept_stream_ = stream_; }
    void restore_forward_state() noexcept { stream_ = kept_stream_; }
    /// Data-parallel training on rank `rank` > 0: masks from stream `rank` of the layer's, so
    /// that the ranks' shards are not all dropped alike (rank 0 keeps the stream one process has).
    void use_rank_stream(std::size_t rank) noexcept {
        if (rank > 0) stream_ = stream_.stream(rank);
    }
    /// The mask stream's state (to compare runs).
    const rng& stream() const noexcept { return stream_; }
    bool training() const noexcept { return training_; }

    /// Sizes the work buffers for batches of up to `rows` rows (only ever grows them).
    void reserve(std::size_t rows) {
        detail::ensure_capacity(output_, rows * Width);
        if constexpr (drops) detail::ensure_capacity(mask_, rows * Width);
    }
    std::size_t capacity() const noexcept { return output_.size() / Width; }

    // xᵀ (Width, B), row k at in_t + k·ld (ld ≥ B) -> aᵀ = xᵀ ⊙ m (Width, B) packed, where in
    // training m is 0 with probability p and 1/(1 − p) otherwise; in evaluation m = 1.
    const T* forward(const T* in_t, std::size_t ld, std::size_t rows) {
        rows_ = rows;
        masked_ = drops && training_;
        if (masked_) {
            const T survivor = T(1) / T(1.0 - probability);  // torch: noise.div_(1 − p)
            T* __restrict mask = mask_.data();
            // Each element's choice is arithmetic on bits, not a branch (an unpredictable branch
            // per element was most of a mask's cost: docs/benchmarks.md); each draw's two 32-bit
            // halves decide two elements against p·2³²; one draw of the layer's stream seeds two
            // generators that run side by side (each step of one waits on the step before).
            using bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
            const bits survivor_bits = std::bit_cast<bits>(survivor);
            // survivor where kept, +0 where dropped
            const auto choose = [survivor_bits](std::uint64_t half) {
                return std::bit_cast<T>(bits(survivor_bits & (bits(0) - bits(half >= drop_below))));
            };
            const rng seeded(stream_());
            rng g[2] = {seeded, seeded.stream(1)};
            const std::size_t n = Width * rows, whole = n - n % 4;
            for (std::size_t i = 0; i < whole; i += 4) {
                const std::uint64_t u = g[0](), v = g[1]();
                mask[i] = choose(u & 0xFFFFFFFFu);
                mask[i + 1] = choose(u >> 32);
                mask[i + 2] = choose(v & 0xFFFFFFFFu);
                mask[i + 3] = choose(v >> 32);
            }
            for (std::size_t i = whole; i < n; ++i) mask[i] = choose(g[0]() & 0xFFFFFFFFu);
        }
        for (std::size_t k = 0; k < Width; ++k) {
            T* __restrict a = output_.data() + k * rows;
            const T* __restrict x = in_t + k * ld;
            if (masked_) {
                const T* __restrict m = mask_.data() + k * rows;
                for (std::size_t b = 0; b < rows; ++b) a[b] = x[b] * m[b];
            } else {
                std::copy_n(x, rows, a);
            }
        }
        return output_.data();
    }

    // daᵀ (Width, B) -> dxᵀ = daᵀ ⊙ m (Width, B), the forward pass's mask, in da_t's storage
    // (nullptr for the first layer).
    T* backward(T* da_t) {
        if constexpr (computes_input_gradient) {
            if (masked_) {
                auto dx = detail::matrix_view(da_t, Width, rows_);
                xt::noalias(dx) = dx * detail::matrix_view(static_cast<const T*>(mask_.data()), Width, rows_);
            }
            return da_t;
        } else {
            return nullptr;
        }
    }

    /// The mask of the last forward pass, (B, Width): 0 where an element was dropped, 1/(1 − p)
    /// where it was kept; all 1 if that pass did not drop (evaluation, or p = 0). Read it after
    /// each step (fit_options::on_step) to replay a run's dropout elsewhere.
    tensor<T, 2> last_mask() const {
        auto m = tensor<T, 2>::from_shape({rows_, Width});
        for (std::size_t i = 0; i < rows_; ++i)
            for (std::size_t k = 0; k < Width; ++k) m(i, k) = masked_ ? mask_[k * rows_ + i] : T(1);
        return m;
    }

    /// The last forward pass's output, feature-major: aᵀ (Width, B).
    auto output() const { return detail::matrix_view(static_cast<const T*>(output_.data()), Width, rows_); }
    std::size_t rows() const noexcept { return rows_; }

    template <class F>
    void for_each_parameter(F&&) {}
    template <class F>
    void for_each_parameter(F&&) const {}
    template <class F>
    void for_each_named_parameter(F&&) {}
    template <class F>
    void for_each_named_parameter(F&&) const {}

private:
    static constexpr bool drops = P::num > 0;
    /// An element is dropped when a uniform 32-bit draw is below ⌊p·2³²⌋ (p to within 2⁻³²).
    static constexpr std::uint64_t drop_below = std::uint64_t(probability * 4294967296.0);

    rng stream_;
    rng kept_stream_;
    detail::buffer<T> output_;
    detail::buffer<T> mask_;  // mᵀ (Width, B): 0 or 1/(1 − p), kept for backward
    std::size_t rows_ = 0;
    bool training_ = true;  // a network starts in training mode
    bool masked_ = false;   // whether the last forward applied a mask (backward follows it)
};

/// Inverted dropout of the previous layer's output with probability `P` (a std::ratio in
/// [0, 1); PyTorch's default 1/2); the shape is kept, an image's too (element-wise, as
/// nn.Dropout on an NCHW batch).
template <class P = std::ratio<1, 2>>
struct dropout {
    static constexpr shape output_shape(shape in) noexcept { return in; }

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_layer_width<dropout, Index, InputShape.size()>());
        static_assert(diagnostics::check_dropout_probability<dropout, Index, P>());
        using type = dropout_layer<T, InputShape.size(), P, diagnostics::computes_input_gradient(Index)>;
    };
};

}  // namespace ctnn
