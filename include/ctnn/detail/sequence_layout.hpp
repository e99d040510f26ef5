// Sequences cross the network's boundary as (B, T, F) row-major (PyTorch's batch_first) and
// live inside as (F, T·B), column t·B + b: each feature a row, each step a block of B columns,
// so a step's states form a (F, B) block and every step at once is a plain (F, T·B) matrix.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"

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

// Sequences of different lengths (padded_sequences): `lengths` holds B lengths in [1, T], or
// nothing when every sequence has all T steps. Step t of sequence b is padding when
// t ≥ lengths[b]; a recurrent layer carries its state unchanged through padding, so the state
// after step T − 1 is the one after the sequence's own last step.

/// Throws unless `lengths` is empty or holds one length in [1, steps] per sequence.
inline void check_lengths(std::span<const std::size_t> lengths, std::size_t rows, std::size_t steps,
                          std::string_view where) {
    if (lengths.empty()) return;
    const std::string at = "ctnn: " + std::string(where) + ": ";
    if (lengths.size() != rows)
        throw shape_error(at + std::to_string(lengths.size()) + " sequence lengths for " + std::to_string(rows)
                          + " sequences; each sequence needs its length");
    for (std::size_t b = 0; b < rows; ++b) {
        if (lengths[b] == 0)
            throw invalid_argument(at + "sequence " + std::to_string(b)
                                   + " has length 0; every sequence needs at least one step");
        if (lengths[b] > steps)
            throw invalid_argument(at + "sequence " + std::to_string(b) + " has length " + std::to_string(lengths[b])
                                   + " but x has " + std::to_string(steps) + " steps");
    }
}

/// A recurrent layer's backward refuses lengths with truncated back-propagation through time
/// (`bptt_steps`): a chunk boundary inside one sequence's padding would cut the gradient its
/// last state carries back. Forward (predict, evaluate) is not affected.
inline void refuse_truncation_with_lengths(std::span<const std::size_t> lengths, std::size_t bptt_steps,
                                           std::string_view kind) {
    if (!lengths.empty() && bptt_steps != 0)
        throw invalid_argument("ctnn: " + std::string(kind) + ": bptt_steps = " + std::to_string(bptt_steps)
                               + " (truncated back-propagation through time) is not supported with sequence "
                                 "lengths; set bptt_steps = 0, or give sequences of one length");
}

/// Whether step t of any sequence is padding.
inline bool any_padding_at(std::span<const std::size_t> lengths, std::size_t t) noexcept {
    for (const std::size_t length : lengths)
        if (t >= length) return true;
    return false;
}

/// f(b) for each sequence b whose step t is padding.
template <class F>
void for_each_padded_column(std::span<const std::size_t> lengths, std::size_t t, F&& f) {
    for (std::size_t b = 0; b < lengths.size(); ++b)
        if (t >= lengths[b]) f(b);
}

/// Zeroes the padded columns of step t in a (rows, B) block whose row r starts at block + r·ld.
template <class T>
void zero_padding_at(T* block, std::size_t ld, std::size_t rows, std::span<const std::size_t> lengths, std::size_t t) {
    for_each_padded_column(lengths, t, [&](std::size_t b) {
        for (std::size_t r = 0; r < rows; ++r) block[r * ld + b] = T(0);
    });
}

/// Copies the padded columns of step t from one (rows, B) block to another: a state carried
/// through padding.
template <class T>
void carry_padding_at(const T* from, std::size_t from_ld, T* to, std::size_t to_ld, std::size_t rows,
                      std::span<const std::size_t> lengths, std::size_t t) {
    for_each_padded_column(lengths, t, [&](std::size_t b) {
        for (std::size_t r = 0; r < rows; ++r) to[r * to_ld + b] = from[r * from_ld + b];
    });
}

/// Adds the padded columns of step t of one (rows, B) block into another.
template <class T>
void add_padding_at(const T* from, std::size_t from_ld, T* to, std::size_t to_ld, std::size_t rows,
                    std::span<const std::size_t> lengths, std::size_t t) {
    for_each_padded_column(lengths, t, [&](std::size_t b) {
        for (std::size_t r = 0; r < rows; ++r) to[r * to_ld + b] += from[r * from_ld + b];
    });
}

/// The step a reversal within each sequence's length puts at step t of sequence b: L − 1 − t
/// for a real step, t for padding (it stays where it is); T − 1 − t without lengths.
inline std::size_t reversed_step(std::size_t t, std::size_t b, std::size_t steps,
                                 std::span<const std::size_t> lengths) noexcept {
    if (lengths.empty()) return steps - 1 - t;
    return t < lengths[b] ? lengths[b] - 1 - t : t;
}

/// f(padded row b·T + t, packed row) for each real step of each sequence, in order: the rows a
/// (B, T, width) tensor keeps when its padding is left out.
template <class F>
void for_each_real_step(std::span<const std::size_t> lengths, std::size_t steps, F&& f) {
    std::size_t packed = 0;
    for (std::size_t b = 0; b < lengths.size(); ++b)
        for (std::size_t t = 0; t < lengths[b]; ++t) f(b * steps + t, packed++);
}

/// Zeroes every padded column of a feature-major (rows, T·B) matrix, row r at p + r·ld.
template <class T>
void zero_padding(T* p, std::size_t ld, std::size_t rows, std::size_t batch, std::size_t steps,
                  std::span<const std::size_t> lengths) {
    if (lengths.empty()) return;
    for (std::size_t t = 0; t < steps; ++t) zero_padding_at(p + t * batch, ld, rows, lengths, t);
}

/// Zeroes the padded steps of a row-major (B, T, width) tensor.
template <class T>
void zero_padded_rows(T* y, std::size_t steps, std::size_t width, std::span<const std::size_t> lengths) {
    for (std::size_t b = 0; b < lengths.size(); ++b)
        for (std::size_t t = lengths[b]; t < steps; ++t)
            for (std::size_t k = 0; k < width; ++k) y[(b * steps + t) * width + k] = T(0);
}

/// The real steps of all sequences: Σ lengths, or B·T.
inline std::size_t real_steps(std::span<const std::size_t> lengths, std::size_t rows, std::size_t steps) noexcept {
    if (lengths.empty()) return rows * steps;
    std::size_t total = 0;
    for (const std::size_t length : lengths) total += length;
    return total;
}

}  // namespace ctnn::detail
