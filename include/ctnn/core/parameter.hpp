// A trainable tensor and its gradient. What an optimizer keeps between steps is not here: the
// trainer holds it (optim/parameter_state.hpp), so a layer knows nothing of optimizers.
#pragma once

#include <cstddef>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// One trainable tensor and the gradient of the loss with respect to it.
template <class T, std::size_t Rank>
struct parameter {
    using scalar = T;
    using tensor_type = tensor<T, Rank>;
    static constexpr std::size_t rank = Rank;

    tensor_type value;
    tensor_type grad;

    /// Shapes value and grad; grad starts at zero.
    template <class Shape>
    void reshape(const Shape& shape) {
        *this = parameter(shape);
    }

    std::size_t size() const noexcept { return value.size(); }

    parameter() = default;
    /// value and grad of `shape`, grad zero: what reshape leaves, built in place (layers
    /// construct their parameters so; less code than reshape's assignments).
    template <class Shape>
    explicit parameter(const Shape& shape)
        : value(tensor_type::from_shape(shape)), grad(tensor_type::from_shape(shape)) {
        grad.fill(T(0));
    }
    parameter(const parameter&) = default;
    parameter(parameter&&) noexcept = default;
    parameter& operator=(const parameter&) = default;
    parameter& operator=(parameter&&) noexcept = default;
    // Out of line: the tensors' releases inlined into every layer's and network's destructor
    // were a large share of the seed example's generated code (compile time; docs/benchmarks.md).
    [[gnu::noinline]] ~parameter() = default;
};

}  // namespace ctnn
