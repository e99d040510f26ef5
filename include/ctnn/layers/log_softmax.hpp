// log_softmax: PyTorch's nn.LogSoftmax(dim=1), the last layer of a network trained with
// loss::nll (log_softmax + nll is softmax cross-entropy). The layer is softmax.hpp's.
#pragma once

#include <cstddef>

#include "ctnn/core/shape.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/layers/softmax.hpp"

namespace ctnn {

/// Log-probabilities over the features of each sample (or time step): log softmax(x), computed
/// as x − max − log Σe^(x − max), never log of an underflowed 0.
struct log_softmax {
    static constexpr bool preserves_width = true;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        using type = softmax_layer<T, InputShape.size(), true, diagnostics::computes_input_gradient(Index)>;
    };
};

}  // namespace ctnn
