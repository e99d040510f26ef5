// Fan-in and fan-out of a weight tensor, as PyTorch computes them for an [out, in] matrix.
#pragma once

#include <cstddef>

namespace ctnn::init {

struct fans {
    std::size_t in;   // inputs per unit: columns of a [out, in] weight
    std::size_t out;  // units fed by each input: rows of a [out, in] weight
    /// A recurrent layer's hidden width, for inits defined by it (recurrent_default); 0: none,
    /// the built-in rnn, lstm and gru pass their hidden width as `out` instead.
    std::size_t hidden = 0;
};

/// Which fan Kaiming init scales by: `fan_in` keeps forward activations' variance,
/// `fan_out` keeps back-propagated gradients' variance.
enum class fan_mode { fan_in, fan_out };

}  // namespace ctnn::init
