// gru<Hidden, Returns>: a gated recurrent unit layer, PyTorch's nn.GRU (gates stacked r, z, n):
//   r = σ(W_ir·x_t + b_ir + W_hr·h_{t−1} + b_hr),  z = σ(W_iz·x_t + b_iz + W_hz·h_{t−1} + b_hz)
//   n = tanh(W_in·x_t + b_in + r ⊙ (W_hn·h_{t−1} + b_hn)),  h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
// with h_{−1} = initial_state (zeros). It runs cells::gru: its backward pass is derived from
// those equations (graph_layer.hpp). Back-propagation through time is full, or truncated to
// chunks of `bptt_steps` steps.
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/cells/gru.hpp"
#include "ctnn/core/sequence.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/init/recurrent_default.hpp"
#include "ctnn/layers/torch_recurrent_layer.hpp"

namespace ctnn {

/// A GRU layer of `Hidden` units as written in a network's type list: it reads a sequence and
/// returns its last state (`last_state`) or every state (`whole_sequence`). `Init` draws W_ih
/// and the biases, `RecurrentInit` W_hh. `Bias = false` drops b_ih and b_hh, as PyTorch's
/// `bias=False`.
template <std::size_t Hidden, class Returns = last_state, class Init = init::recurrent_default,
          class RecurrentInit = Init, bool Bias = true>
struct gru : torch_recurrent_spec<gru<Hidden, Returns, Init, RecurrentInit, Bias>, cells::gru<Hidden, Bias>, Hidden,
                                  Returns, Init, RecurrentInit, Bias> {
    /// The same layer without b_ih and b_hh (PyTorch's `bias=False`), its policies kept:
    /// `gru<40, whole_sequence>::without_bias`.
    using without_bias = gru<Hidden, Returns, Init, RecurrentInit, false>;
    static constexpr std::string_view name = "gru";
};

}  // namespace ctnn
