// rnn<Hidden, Activation, Returns>: an Elman recurrent layer, PyTorch's nn.RNN:
//   h_t = act(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh),  h_{−1} = initial_state (zeros).
// It runs cells::elman: its backward pass is derived from that equation (graph_layer.hpp). The
// input projections of every step are one matrix product, the weight gradients one product each
// over all steps; only W_hh·h_{t−1} runs step by step. Back-propagation through time is full, or
// truncated to chunks of `bptt_steps` steps.
#pragma once

#include <cstddef>
#include <string_view>

#include "ctnn/activations/tanh.hpp"
#include "ctnn/cells/elman.hpp"
#include "ctnn/core/sequence.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/init/recurrent_default.hpp"
#include "ctnn/layers/torch_recurrent_layer.hpp"

namespace ctnn {

/// An Elman recurrent layer of `Hidden` units as written in a network's type list: it reads a
/// sequence and returns its last state (`last_state`) or every state (`whole_sequence`).
/// `Init` draws W_ih and the biases, `RecurrentInit` W_hh (e.g. init::orthogonal). `Bias =
/// false` drops b_ih and b_hh, as PyTorch's `bias=False`.
template <std::size_t Hidden, class Activation = tanh, class Returns = last_state,
          class Init = init::recurrent_default, class RecurrentInit = Init, bool Bias = true>
struct rnn : torch_recurrent_spec<rnn<Hidden, Activation, Returns, Init, RecurrentInit, Bias>,
                                  cells::elman<Hidden, Activation, Bias>, Hidden, Returns, Init, RecurrentInit, Bias> {
    static_assert(diagnostics::check_activation<Activation>());
    /// The same layer without b_ih and b_hh (PyTorch's `bias=False`), its policies kept:
    /// `rnn<16, relu>::without_bias`.
    using without_bias = rnn<Hidden, Activation, Returns, Init, RecurrentInit, false>;
    static constexpr std::string_view name = "rnn";
    using activation_type = Activation;
};

}  // namespace ctnn
