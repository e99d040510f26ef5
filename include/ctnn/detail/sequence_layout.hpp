// Sequences cross the network's boundary as (B, T, F) row-major (PyTorch's batch_first) and
// live inside as (F, T·B), column t·B + b: each feature a row, each step a block of B columns,
// so a step's states form a (F, B) block and every step at once is a plain (F, T·B) matrix.
#pragma once

#include <cstddef>

namespace ctnn::detail {

/// x (B, T, F) row-major -> xᵀ (F, T·B) packed, column t·B + b.
template <std::size_t F, class T>
void sequence_to_feature_major(const T* __restrict x, T* __restrict x_t, std::size_t rows,
                               std::size_t steps) {
    const std::size_t columns = rows * steps;
    for (std::size_t b = 0; b < rows; ++b)
        for (std::size_t t = 0; t < steps; ++t) {
            const T* from = x + (b * steps + t) * F;
            T* to = x_t + t * rows + b;
            for (std::size_t f = 0; f < F; ++f) to[f * columns] = from[f];
        }
}

/// xᵀ (F, T·B) packed, column t·B + b -> x (B, T, F) row-major.
template <std::size_t F, class T>
void feature_major_to_sequence(const T* __restrict x_t, T* __restrict x, std::size_t rows,
                               std::size_t steps) {
    const std::size_t columns = rows * steps;
    for (std::size_t b = 0; b < rows; ++b)
        for (std::size_t t = 0; t < steps; ++t) {
            const T* from = x_t + t * rows + b;
            T* to = x + (b * steps + t) * F;
            for (std::size_t f = 0; f < F; ++f) to[f] = from[f * columns];
        }
}

}  // namespace ctnn::detail
