// lstm<Hidden, Returns>: a long short-term memory layer, PyTorch's nn.LSTM:
//   [i; f; g; o] = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh   (gates stacked in that order, 4·Hidden rows)
//   i, f, o = σ(·),  g = tanh(·),  c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
// with h_{−1} = initial_state, c_{−1} = initial_cell (zeros). It runs cells::lstm: its backward
// pass is derived from those equations (graph_layer.hpp). Back-propagation through time is
// full, or truncated to chunks of `bptt_steps` steps (through both h and c).
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/cells/lstm.hpp"
#include "ctnn/core/sequence.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/init/recurrent_default.hpp"
#include "ctnn/layers/torch_recurrent_layer.hpp"

namespace ctnn {

/// An LSTM layer of `Hidden` units as written in a network's type list: it reads a sequence and
/// returns its last state h_T (`last_state`) or every h_t (`whole_sequence`). `Init` draws W_ih
/// and the biases, `RecurrentInit` W_hh. `Bias = false` drops b_ih and b_hh, as PyTorch's
/// `bias=False`.
template <std::size_t Hidden, class Returns = last_state, class Init = init::recurrent_default,
          class RecurrentInit = Init, bool Bias = true>
struct lstm : torch_recurrent_spec<lstm<Hidden, Returns, Init, RecurrentInit, Bias>, cells::lstm<Hidden, Bias>, Hidden,
                                   Returns, Init, RecurrentInit, Bias> {
    /// The same layer without b_ih and b_hh (PyTorch's `bias=False`), its policies kept:
    /// `lstm<40, whole_sequence>::without_bias`.
    using without_bias = lstm<Hidden, Returns, Init, RecurrentInit, false>;
    static constexpr std::string_view name = "lstm";
};

}  // namespace ctnn
