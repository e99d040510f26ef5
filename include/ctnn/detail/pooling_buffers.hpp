// What a layer without parameters that makes a new block of values keeps (the pools, global
// pooling): its output and dL/dx, sized per batch, and the members of the layer protocol that
// such a layer fills the same way. The layer inherits it and adds forward and backward.
#pragma once

#include <cstddef>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/matrix_view.hpp"

namespace ctnn::detail {

template <class T, std::size_t InputWidth, std::size_t OutputWidth, bool InputGradient>
class pooling_buffers {
public:
    using scalar = T;
    static constexpr std::size_t input_width = InputWidth;
    static constexpr std::size_t output_width = OutputWidth;
    static constexpr std::size_t parameter_count = 0;
    static constexpr bool computes_input_gradient = InputGradient;

    void initialize(rng) noexcept {}

    /// Sizes the output and dL/dx for batches of up to `columns` samples (only ever grows them).
    void reserve(std::size_t columns) {
        ensure_capacity(output_, OutputWidth * columns);
        if constexpr (InputGradient) ensure_capacity(input_gradient_, InputWidth * columns);
    }

    /// The last forward pass's output, feature-major: (OutputWidth, B).
    auto output() const { return matrix_view(static_cast<const T*>(output_.data()), OutputWidth, columns_); }

    /// None (const, so callable on either; saving names nothing without a parameter).
    template <class F>
    void for_each_parameter(F&&) const noexcept {}

protected:
    buffer<T> output_;          // yᵀ (OutputWidth, B) of the last forward
    buffer<T> input_gradient_;  // dxᵀ (InputWidth, B)
    std::size_t columns_ = 0;   // B of the last forward
};

}  // namespace ctnn::detail
