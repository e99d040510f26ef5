// The first entry of every network: the width of one input row.
#pragma once

#include <cstddef>

#include "ctnn/core/shape.hpp"

namespace ctnn {

/// `input<N>`: the network reads rows of N features, a batch being a (B, N) tensor.
template <std::size_t Width>
struct input {
    static constexpr std::size_t width = Width;
    static constexpr ctnn::shape input_shape = features_shape(Width);
};

}  // namespace ctnn
