// The layer protocol: what a network asks of a layer. A layer kind is a spec (dense<N>, what a
// user writes in the network's type list) that models layer_spec: it says the shape it makes of
// the shape before it, and its bind<T, I, InputShape>::type is the layer as it lives inside a
// network, which models network_layer.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>

#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"

namespace ctnn {

/// A layer kind as written in a network's type list, with a
/// `template <class T, std::size_t I, shape InputShape> struct bind { using type = ...; };`
/// (T the scalar, I its position for diagnostics). It says its output shape in one of three ways:
///  - `static constexpr shape output_shape(shape in)`: any shape, images included;
///  - `output_width = N`: N features per sample, on the time axis if the input has one (a
///    recurrent layer, `recurrent = true`, decides that by its `returns_sequence` instead);
///  - `preserves_width = true`: the shape it reads.
/// The last two read features or sequences only: the network refuses an image for them, by name.
namespace detail {
/// A spec that computes its output shape from any input shape, images included.
template <class S>
concept shape_computing_spec = requires(shape in) {
    { S::output_shape(in) } -> std::same_as<shape>;
};
/// A spec whose output shape is its input's: `preserves_width = true`.
template <class S>
concept width_preserving_spec = requires { requires S::preserves_width; };
}  // namespace detail

template <class S>
concept layer_spec = detail::shape_computing_spec<S> || detail::width_preserving_spec<S> || requires {
    { S::output_width } -> std::convertible_to<std::size_t>;
};

/// A layer inside a network. Activations pass between layers feature-major: (width, columns),
/// row k at `in + k·ld`, and a sequence is (width, T·B), column t·B + b.
///  - `reserve(columns)` sizes the buffers; then `forward(in, ld, columns)` returns the output
///    (output_width, columns), packed, valid until the next forward;
///  - `backward(d_output)` takes dL/d(output) (output_width, columns), which it may overwrite,
///    fills every parameter's grad and returns dL/d(input) (input_width, columns) packed, or
///    nullptr when `computes_input_gradient` is false (the first layer: nobody reads dL/dx);
///  - a recurrent layer (`recurrent = true`) runs along the time axis instead: `reserve(B, T)`,
///    `forward(in, ld, B, T)`, a backward of (output_width, B) or (output_width, T·B), and
///    `time_gradient_norms()` (and optionally `time_gradient_reach()`, a ctnn::time_reach;
///    without it the monitor takes the gradient to enter at the last step only). To read
///    padded_sequences it also takes `forward(in, ld, B, T, lengths)`: `lengths` (a span of B
///    lengths in [1, T], or empty) ends sequence b after step lengths[b] − 1, the state is
///    carried through the padding, the output there is 0 and sends no gradient back. The
///    network zeroes the input's padded columns, but a layer called directly must not let them
///    into its products (0·NaN is NaN). A layer without that overload is refused lengths at
///    run time.
/// Optional members the network calls when a layer has them: `set_training(bool)`, and
/// `keep_forward_state()` / `restore_forward_state()` for what a training forward changes
/// besides its output (running statistics, random streams), which a refused step puts back.
/// The layer's position is the network's to know (`for_each_layer_indexed`), not part of its type.
template <class L>
concept network_layer = requires(L& layer, rng stream, typename L::scalar* d_output) {
    typename L::scalar;
    { L::input_width } -> std::convertible_to<std::size_t>;
    { L::output_width } -> std::convertible_to<std::size_t>;
    { L::parameter_count } -> std::convertible_to<std::size_t>;
    { L::computes_input_gradient } -> std::convertible_to<bool>;
    layer.initialize(stream);
    layer.for_each_parameter([](auto&) {});
    { layer.backward(d_output) } -> std::convertible_to<const typename L::scalar*>;
} && (requires(L& layer, const typename L::scalar* in, std::size_t n) {
    requires L::recurrent;
    layer.reserve(n, n);
    { layer.forward(in, n, n, n) } -> std::convertible_to<const typename L::scalar*>;
    layer.time_gradient_norms();
} || requires(L& layer, const typename L::scalar* in, std::size_t n) {
    layer.reserve(n);
    { layer.forward(in, n, n) } -> std::convertible_to<const typename L::scalar*>;
});

}  // namespace ctnn
