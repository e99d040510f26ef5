// The first entry of a network that reads sequences: the width of one time step.
#pragma once

#include <cstddef>

#include "ctnn/core/shape.hpp"

namespace ctnn {

/// `sequence<F>`: the network reads sequences of F features per time step, a batch being a
/// (B, T, F) row-major tensor with the length T chosen at run time (PyTorch's batch_first).
/// Recurrent layers (rnn, lstm, gru) consume the time axis; other layers are applied to every
/// time step alike, as PyTorch's nn.Linear is on a (B, T, F) tensor.
template <std::size_t Width>
struct sequence {
    static constexpr std::size_t width = Width;
    static constexpr ctnn::shape input_shape = sequence_shape(Width);
};

/// What a recurrent layer hands to the next layer: its state after the last step (B, Hidden)
/// or its state at every step (B, T, Hidden), for stacking or per-step outputs.
struct last_state {
    static constexpr bool returns_sequence = false;
};
struct whole_sequence {
    static constexpr bool returns_sequence = true;
};

}  // namespace ctnn
