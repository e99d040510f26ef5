// What saving, exporting and summarising read from a network's layers: names for the scalar
// types, each layer's kind and activation, and visits of its named parameters and buffers
// (layers without names for their parameters get "parameter0", "parameter1"...).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ctnn/detail/std_ratio.hpp"

namespace ctnn::detail {

/// The element type as saved files name it (NumPy's names).
template <class E>
constexpr std::string_view dtype_name() {
    if constexpr (std::is_same_v<E, float>)
        return "float32";
    else if constexpr (std::is_same_v<E, double>)
        return "float64";
    else {
        static_assert(std::is_same_v<E, std::int64_t>, "ctnn: only float, double and int64 tensors are saved");
        return "int64";
    }
}

/// Saved elements that are not trained (batch_norm's running mean and variance), blocks'
/// inner layers' included: what summary() counts as non-trainable.
template <class Layer>
constexpr std::size_t buffer_count_of() {
    if constexpr (requires { Layer::buffer_count; })
        return Layer::buffer_count;
    else
        return 0;
}

template <class Layer>
constexpr std::string_view layer_kind() {
    if constexpr (requires { Layer::kind; })
        return Layer::kind;
    else
        return "layer";
}

/// The layer's activation's name, or empty for a layer without one.
template <class Layer>
constexpr std::string_view activation_name() {
    if constexpr (requires { Layer::activation_type::name; })
        return Layer::activation_type::name;
    else
        return {};
}

/// An activation's settings as a saved model records them: "(1/2)" for leaky_relu<std::ratio<1,
/// 2>>, "(-2, 2)" for hardtanh's; "" for an activation of its template's default settings (and
/// one without settings), so files of the default read as before settings were recorded.
template <class Activation>
struct activation_settings {
    static std::string text() { return {}; }
};
template <template <class...> class Activation, class... Settings>
constexpr bool default_settings() {
    if constexpr (requires { typename Activation<>; })
        return std::is_same_v<Activation<typename Settings::type...>, Activation<>>;  // by value: 2/200 is 1/100
    else
        return false;
}
template <template <class...> class Activation, class... Settings>
    requires(sizeof...(Settings) > 0 && (is_std_ratio<Settings> && ...))
struct activation_settings<Activation<Settings...>> {
    static std::string text() {
        if constexpr (default_settings<Activation, Settings...>()) {
            return {};
        } else {
            std::string text;
            ((text += (text.empty() ? "(" : ", ") + ratio_string<Settings>()), ...);
            return text + ")";
        }
    }
};

/// What a saved model records as a layer's activation, load compares and summary() shows: the
/// activation's name and its settings unless they are the defaults ("leaky_relu(1/2)"); empty for
/// a layer without one; for a block, each inner layer's kind and activation in brackets, "[dense
/// squareplus, dense identity]" (a bracket per branch for concatenate, the direction's layer for
/// bidirectional), so that a file of residual<dense<4, relu>> is refused by residual<dense<4, tanh>>.
template <class Layer>
std::string saved_activation() {
    if constexpr (requires { Layer::inner_layers_description(); })
        return Layer::inner_layers_description();
    else if constexpr (requires { typename Layer::activation_type; })
        return std::string(activation_name<Layer>()) + activation_settings<typename Layer::activation_type>::text();
    else
        return std::string(activation_name<Layer>());
}

/// An inner layer as its block's saved_activation lists it: its kind, then its own.
template <class Layer>
std::string inner_layer_description() {
    const std::string activation = saved_activation<Layer>();
    return std::string(layer_kind<Layer>()) + (activation.empty() ? "" : " " + activation);
}

/// Calls f(name, parameter) for each of the layer's parameters, in for_each_parameter's order.
template <class Layer, class F>
void for_each_named_parameter_of(Layer& layer, F&& f) {
    if constexpr (requires { layer.for_each_named_parameter(f); }) {
        layer.for_each_named_parameter(f);
    } else {
        std::size_t k = 0;
        layer.for_each_parameter([&](auto& p) { f(std::string_view("parameter" + std::to_string(k++)), p); });
    }
}

/// Calls f(name, buffer) for each saved state that is not trained (batch_norm's running
/// estimates): a tensor or a std::int64_t counter.
template <class Layer, class F>
void for_each_buffer_of(Layer& layer, F&& f) {
    if constexpr (requires { layer.for_each_buffer(f); }) layer.for_each_buffer(f);
}

/// The elements of a buffer, contiguous: a tensor's storage, or the one counter.
template <class Buffer>
auto elements_of(Buffer& b) {
    if constexpr (std::is_arithmetic_v<std::remove_const_t<Buffer>>)
        return std::span<Buffer>(&b, 1);
    else
        return std::span(b.data(), b.size());
}

template <class Buffer>
std::vector<std::uint64_t> shape_of(const Buffer& b) {
    if constexpr (std::is_arithmetic_v<Buffer>)
        return {};
    else
        return std::vector<std::uint64_t>(b.shape().begin(), b.shape().end());
}

}  // namespace ctnn::detail
