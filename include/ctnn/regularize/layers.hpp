// Which layers a penalty applies to: every layer, or the listed indices.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctnn/detail/diagnostics.hpp"

namespace ctnn::regularize {

/// Every layer's weights (the default of every penalty).
struct all_layers {
    static constexpr bool contains(std::size_t) { return true; }
    template <std::size_t Depth>
    static constexpr bool within() { return true; }
};

/// Only the layers at these indices (0 is the first layer after input<N>).
template <std::size_t... Indices>
struct layers {
    static constexpr bool contains(std::size_t index) { return ((index == Indices) || ...); }
    /// Each index a layer of a network of `Depth` layers: else a compile error names the first
    /// that is not (penalized_layer_not_in_network).
    template <std::size_t Depth>
    static constexpr bool within() { return (diagnostics::check_penalized_layer<Depth, Indices>() && ...); }
};

namespace detail {
/// Calls f(parameter) for the weights (and, if asked, the biases) of the layers `Layers` selects.
template <class Layers, class Network, class F>
void for_each_penalized(Network& net, bool include_biases, F&& f) {
    static_assert(Layers::template within<std::remove_cvref_t<Network>::depth>());
    net.for_each_layer_indexed([&](auto& layer, std::size_t index) {
        if (!Layers::contains(index)) return;
        layer.for_each_parameter([&](auto& p) {
            if (std::decay_t<decltype(p)>::rank == 1 && !include_biases) return;
            f(p);
        });
    });
}
}  // namespace detail

}  // namespace ctnn::regularize
