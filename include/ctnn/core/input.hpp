// The first entry of every network: the width of one input row.
#pragma once

#include <cstddef>

namespace ctnn {

/// `input<N>`: the network reads rows of N features, a batch being a (B, N) tensor.
template <std::size_t Width>
struct input {
    static constexpr std::size_t width = Width;
};

}  // namespace ctnn
