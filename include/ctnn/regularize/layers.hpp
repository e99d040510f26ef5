// Which layers a penalty applies to: every layer, or the listed indices.
#pragma once

#include <cstddef>

namespace ctnn::regularize {

/// Every layer's weights (the default of every penalty).
struct all_layers {
    static constexpr bool contains(std::size_t) { return true; }
};

/// Only the layers at these indices (0 is the first layer after input<N>).
template <std::size_t... Indices>
struct layers {
    static constexpr bool contains(std::size_t index) { return ((index == Indices) || ...); }
};

}  // namespace ctnn::regularize
