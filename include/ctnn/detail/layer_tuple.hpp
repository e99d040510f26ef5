// What the network and its blocks do alike to a tuple of bound layers: give each its own
// random stream, call the protocol's optional members (concepts/layer.hpp) on the layers that
// have them, and name each element as PyTorch's state_dict names a module's children.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <boost/hana/for_each.hpp>

#include "ctnn/core/rng.hpp"

namespace ctnn::detail {

/// Layer k draws from stream k of `stream`: a layer added at the end leaves the others' draws.
template <class Layers>
void initialize_each(Layers& layers, const rng& stream) {
    std::size_t k = 0;
    boost::hana::for_each(layers, [&](auto& layer) { layer.initialize(stream.stream(k++)); });
}

template <class Layers>
void set_training_of(Layers& layers, bool on) {
    boost::hana::for_each(layers, [on](auto& layer) {
        if constexpr (requires { layer.set_training(on); }) layer.set_training(on);
    });
}

/// What a training forward changes besides the output (network::keep_forward_state).
template <class Layers>
void keep_forward_state_of(Layers& layers) noexcept {
    boost::hana::for_each(layers, [](auto& layer) {
        if constexpr (requires { layer.keep_forward_state(); }) layer.keep_forward_state();
    });
}
template <class Layers>
void restore_forward_state_of(Layers& layers) noexcept {
    boost::hana::for_each(layers, [](auto& layer) {
        if constexpr (requires { layer.restore_forward_state(); }) layer.restore_forward_state();
    });
}
/// Data-parallel training: each layer with a random stream (dropout) draws from stream `rank`
/// of its own, so the ranks' shards get different masks.
template <class Layer>
void use_rank_stream_of(Layer& layer, std::size_t rank) noexcept {
    if constexpr (requires { layer.use_rank_stream(rank); }) layer.use_rank_stream(rank);
}
template <class Layers>
void use_rank_stream_of_each(Layers& layers, std::size_t rank) noexcept {
    boost::hana::for_each(layers, [rank](auto& layer) { use_rank_stream_of(layer, rank); });
}

/// f(element k, prefix + "<k>.") for each element: the names of an nn.Sequential's or an
/// nn.ModuleList's children inside a module.
template <class Layers, class F>
void for_each_prefixed(Layers& layers, std::string_view prefix, F&& f) {
    std::size_t k = 0;
    boost::hana::for_each(layers, [&](auto& element) {
        const std::string element_prefix = std::string(prefix) + std::to_string(k++) + ".";
        f(element, std::string_view(element_prefix));
    });
}

}  // namespace ctnn::detail
