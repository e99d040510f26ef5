// Fan-in and fan-out of a weight tensor, as PyTorch computes them for an [out, in] matrix.
#pragma once

#include <cstddef>

namespace ctnn::init {

struct fans {
    std::size_t in;   // inputs per unit: columns of a [out, in] weight
    std::size_t out;  // units fed by each input: rows of a [out, in] weight
    /// A recurrent layer's hidden width, for inits defined by it (recurrent_default, per_gate);
    /// 0 outside recurrent layers. `in` and `out` stay the stacked tensor's own, as
    /// torch.nn.init computes them: (4·Hidden, In) for an LSTM's W_ih has fan_out 4·Hidden.
    std::size_t hidden = 0;
};

/// Which fan Kaiming init scales by: `fan_in` keeps forward activations' variance,
/// `fan_out` keeps back-propagated gradients' variance.
enum class fan_mode { fan_in, fan_out };

}  // namespace ctnn::init
