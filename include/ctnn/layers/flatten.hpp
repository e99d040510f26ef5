// flatten<>: an image's C·H·W values as one row of features, PyTorch's nn.Flatten() on an NCHW
// batch. Between layers an image already is (C·H·W, B), feature-major in C, H, W order, which
// is exactly the flattened row: forward and backward hand the block on as it is.
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/matrix_view.hpp"

namespace ctnn {

/// The layer as it lives inside a network: no parameters, no arithmetic.
template <class T, std::size_t Width, bool InputGradient>
class flatten_layer {
public:
    using scalar = T;
    static constexpr std::string_view kind = "flatten";
    static constexpr std::size_t input_width = Width;
    static constexpr std::size_t output_width = Width;
    static constexpr std::size_t parameter_count = 0;
    static constexpr bool computes_input_gradient = InputGradient;

    void initialize(rng) noexcept {}

    /// Sizes the buffer that packs an input whose rows lie further apart than the batch.
    void reserve(std::size_t columns) { detail::ensure_capacity(packed_, columns * Width); }

    // xᵀ (Width, B), row k at in_t + k·ld (ld ≥ B) -> the same values (Width, B) packed: the
    // input itself when it is packed already.
    const T* forward(const T* in_t, std::size_t ld, std::size_t columns) {
        if (ld == columns) return in_t;
        detail::copy_rows(in_t, ld, Width, columns, packed_.data());
        return packed_.data();
    }

    // dyᵀ (Width, B) -> dxᵀ = dyᵀ, in place (nullptr for the first layer).
    T* backward(T* dy_t) noexcept {
        if constexpr (computes_input_gradient)
            return dy_t;
        else
            return nullptr;
    }

    /// None (const, so callable on either; saving names nothing without a parameter).
    template <class F>
    void for_each_parameter(F&&) const noexcept {}

private:
    detail::buffer<T> packed_;
};

/// Flattens an image<C, H, W> (or a conv layer's output) into C·H·W features for the dense
/// layers after it; on features it changes nothing. A sequence keeps its time axis in ctnn, so
/// flattening one is refused at compile time.
struct flatten {
    static constexpr shape output_shape(shape in) noexcept { return features_shape(in.size()); }

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_flatten_input<flatten, Index, InputShape.is_sequence()>());
        using type = flatten_layer<T, InputShape.size(), diagnostics::computes_input_gradient(Index)>;
    };
};

}  // namespace ctnn
