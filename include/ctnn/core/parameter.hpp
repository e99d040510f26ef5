// A trainable tensor with its gradient and its optimizer state, side by side.
#pragma once

#include <array>
#include <cstdint>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// One trainable tensor. Everything an optimizer step touches lives here, so the state is
/// allocated once (by the optimizer's `prepare`) and travels with the weights it belongs to.
template <class T, std::size_t Rank>
struct parameter {
    using scalar = T;
    using tensor_type = tensor<T, Rank>;
    static constexpr std::size_t rank = Rank;
    /// Most optimizer state any ctnn optimizer keeps per tensor (Adam with AMSGrad: three).
    static constexpr std::size_t max_moments = 3;

    tensor_type value;
    tensor_type grad;
    /// Optimizer state of the same shape as `value` (momentum buffer, first/second moments...);
    /// only the slots the optimizer uses are allocated.
    std::array<tensor_type, max_moments> moments;
    /// Number of optimizer steps applied to this tensor (PyTorch's per-parameter `step`).
    std::int64_t steps = 0;
    /// A running product some optimizers keep per tensor (NAdam's μ product).
    double product = 1.0;

    /// Shapes value and grad; grad starts at zero. Optimizer state is cleared.
    template <class Shape>
    void reshape(const Shape& shape) {
        *this = parameter(shape);
    }

    std::size_t size() const noexcept { return value.size(); }

    parameter() = default;
    /// value and grad of `shape`, grad zero, no optimizer state: what reshape leaves, built in
    /// place (layers construct their parameters so; less code than reshape's assignments).
    template <class Shape>
    explicit parameter(const Shape& shape)
        : value(tensor_type::from_shape(shape)), grad(tensor_type::from_shape(shape)) {
        grad.fill(T(0));
    }
    parameter(const parameter&) = default;
    parameter(parameter&&) noexcept = default;
    parameter& operator=(const parameter&) = default;
    parameter& operator=(parameter&&) noexcept = default;
    // Out of line: five tensors' releases inlined into every layer's and network's destructor
    // were ~8% of the seed example's generated code (W5, compile time).
    [[gnu::noinline]] ~parameter() = default;
};

}  // namespace ctnn
