// basic_network<T, input<N>, Layers...>: a neural network as a static type. Widths are checked
// and inferred at compile time; forward visits the layer tuple in order, backward in reverse.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include "ctnn/core/errors.hpp"
#include "ctnn/core/image.hpp"
#include "ctnn/core/input.hpp"
#include "ctnn/core/padded_sequences.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/core/sequence.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/affine.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/layer_tuple.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/message.hpp"
#include "ctnn/detail/network_visit.hpp"
#include "ctnn/detail/score_kind.hpp"
#include "ctnn/detail/sequence_layout.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/expr/activation.hpp"
#include "ctnn/optim/folded_step.hpp"

namespace ctnn {

namespace detail {
template <class I>
struct is_input : std::false_type {};
template <std::size_t N>
struct is_input<input<N>> : std::true_type {};
template <std::size_t N>
struct is_input<sequence<N>> : std::true_type {};
template <std::size_t C, std::size_t H, std::size_t W>
struct is_input<image<C, H, W>> : std::true_type {};
/// The input a network's shapes start from: its own, or after the refusal of one that is not an
/// input, input<1>, so that the refusal stays the only error.
template <class Input>
using checked_input = std::conditional_t<is_input<Input>::value, Input, input<1>>;

/// A network's revision(): a copy starts at the count it copies, and an assignment (copy or
/// move) counts one more replacement of the weights assigned to, not the other network's
/// count, which could equal it and hide the replacement from a trainer of this network.
struct revision_counter {
    std::uint64_t value = 0;
    revision_counter() = default;
    revision_counter(const revision_counter&) = default;
    revision_counter& operator=(const revision_counter&) noexcept {
        ++value;
        return *this;
    }
};

/// Whether a layer (as bound inside a network) can fold a plain SGD step into its
/// weight-gradient product.
template <class Layer>
concept layer_supports_fused_sgd = requires { requires Layer::supports_fused_sgd; };

/// A layer that runs along the time axis (rnn, lstm, gru) declares `recurrent = true` and
/// `returns_sequence`; every other layer is applied to each time step alike.
template <class Spec>
concept recurrent_spec = requires { requires Spec::recurrent; };

/// The shape a spec makes of `in` (concepts/layer.hpp lists the three ways a spec says it). A
/// type that is no layer at all passes the shape on: check_network has reported it, and this
/// keeps that report the only one.
template <class Spec>
constexpr shape output_shape_of(shape in) {
    if constexpr (shape_computing_spec<Spec>)
        return Spec::output_shape(in);
    else if constexpr (width_preserving_spec<Spec> || !layer_spec<Spec>)
        return in;
    else if constexpr (recurrent_spec<Spec>)
        return Spec::returns_sequence ? sequence_shape(Spec::output_width) : features_shape(Spec::output_width);
    else
        return rows_of(in, Spec::output_width);
}

/// {`in`, then each layer's output shape}: a constant expression when `in` is one.
template <class... Specs>
constexpr std::array<shape, sizeof...(Specs) + 1> layer_shapes(shape in) {
    std::array<shape, sizeof...(Specs) + 1> shapes{in};
    std::size_t i = 0;
    ((shapes[i + 1] = output_shape_of<Specs>(shapes[i]), ++i), ...);
    return shapes;
}

template <std::size_t N>
constexpr std::array<std::size_t, N> sizes_of(const std::array<shape, N>& shapes) {
    std::array<std::size_t, N> sizes{};
    for (std::size_t i = 0; i < N; ++i) sizes[i] = shapes[i].size();
    return sizes;
}
template <std::size_t N>
constexpr std::array<bool, N> time_axes_of(const std::array<shape, N>& shapes) {
    std::array<bool, N> flags{};
    for (std::size_t i = 0; i < N; ++i) flags[i] = shapes[i].is_sequence();
    return flags;
}

/// {input width, each layer's output width}: the sizes of layer_shapes (a width-preserving
/// layer repeats the one before).
template <std::size_t InputWidth, class... Specs>
constexpr std::array<std::size_t, sizeof...(Specs) + 1> layer_widths() {
    return sizes_of(layer_shapes<Specs...>(features_shape(InputWidth)));
}

/// "ctnn: layer i: …" from a layer's own "ctnn: …" message (formatted like the other checks a
/// training unit compiles: message.hpp says why not std::string).
inline message at_layer_message(const char* what, std::size_t layer) {
    constexpr char prefix[] = "ctnn: ";
    if (std::strncmp(what, prefix, sizeof prefix - 1) == 0) what += sizeof prefix - 1;
    return format_message("ctnn: layer %zu: %s", layer, what);
}

/// Throws shape_error if one of `layer`'s parameters holds a value of another shape than its
/// gradient, the shape the layer gave it: an assignment of another shape through
/// `layer<I>().weight` or `param<"u">()` (read past its end otherwise). Named as the layer saves it.
template <class Layer>
void check_parameter_shapes(const Layer& layer) {
    std::size_t k = 0, wrong = std::size_t(-1);
    layer.for_each_parameter([&](const auto& p) {
        if (wrong == std::size_t(-1) && p.value.shape() != p.grad.shape()) wrong = k;
        ++k;
    });
    if (wrong == std::size_t(-1)) return;
    k = 0;
    for_each_named_parameter_of(const_cast<Layer&>(layer), [&](std::string_view name, const auto& p) {
        if (k++ != wrong) return;
        throw shape_error(format_message("ctnn: %.*s: parameter '%.*s' holds a value of shape %s, expected %s (the "
                                         "shape the layer gave it; assign values of that shape)",
                                         int(layer_kind<Layer>().size()), layer_kind<Layer>().data(), int(name.size()),
                                         name.data(), shape_text(p.value.shape()).c_str(),
                                         shape_text(p.grad.shape()).c_str())
                              .c_str());
    });
}

template <class T, class Input, class... Specs>
constexpr bool check_network() {
    static_assert(diagnostics::check_scalar<T>());
    static_assert(is_input<Input>::value
                      || diagnostics::network_input_is_not_ctnn_input<Input>::value,
                  "ctnn: a network's first type argument must be ctnn::input<N>, ctnn::sequence<N> or "
                  "ctnn::image<C, H, W>");
    static_assert(sizeof...(Specs) > 0 || diagnostics::network_has_no_layers<Input>::value,
                  "ctnn: a network needs at least one layer after input<N>");
    static_assert((layer_spec<Specs> && ...)
                      || diagnostics::not_a_layer<diagnostics::policy<Specs>...>::value,
                  "ctnn: every type after input<N> must be a layer such as ctnn::dense<N>");
    return true;
}
}  // namespace detail

template <class T, class Input, class... Specs>
class basic_network {
    static_assert(detail::check_network<T, Input, Specs...>());

public:
    using scalar = T;
    using input_type = Input;
    /// The same network with another scalar type (e.g. double for gradient checks).
    template <class U>
    using rebind = basic_network<U, Input, Specs...>;

    static constexpr std::size_t depth = sizeof...(Specs);
    /// shapes[0] is the input's shape, shapes[i + 1] layer i's output shape.
    static constexpr std::array<shape, depth + 1> shapes = detail::layer_shapes<Specs...>(detail::checked_input<Input>::input_shape);
    /// widths[i]: the values per sample (per time step) of shapes[i], the rows of the
    /// feature-major block that passes there.
    static constexpr std::array<std::size_t, depth + 1> widths = detail::sizes_of(shapes);
    static constexpr std::size_t input_width = widths.front();
    static constexpr std::size_t output_width = widths.back();
    /// carries_sequence[0]: the input is a (B, T, F) sequence; [i + 1]: layer i's output is.
    static constexpr std::array<bool, depth + 1> carries_sequence = detail::time_axes_of(shapes);
    static constexpr bool sequence_input = carries_sequence.front();
    /// The network returns (B, T, output_width) rather than (B, output_width).
    static constexpr bool sequence_output = carries_sequence.back();
    /// What predict returns: (rows, output_width), or (B, T, output_width) for a sequence output.
    using prediction_type = std::conditional_t<sequence_output, tensor<T, 3>, tensor<T, 2>>;

private:
    template <std::size_t... I>
    static auto bind_layers(std::index_sequence<I...>)
        -> boost::hana::tuple<typename Specs::template bind<T, I, shapes[I]>::type...>;

    /// A recurrent layer reads a sequence; a spec without output_shape(shape) reads features.
    template <class Spec, std::size_t I>
    static constexpr bool check_layer_input() {
        if constexpr (I > 0 && requires { Spec::declared_input_width; }) {
            if constexpr (shapes[I - 1].is_image() && !shapes[I].is_image())  // a flatten<> of an image
                static_assert(diagnostics::check_flattened_width<Spec, I, Spec::declared_input_width, shapes[I - 1]>());
        }
        if constexpr (detail::recurrent_spec<Spec>)
            return diagnostics::check_recurrent_input<Spec, I, carries_sequence[I]>();
        else if constexpr (!detail::shape_computing_spec<Spec>)
            return diagnostics::check_layer_reads_features<Spec, I, shapes[I].channels, shapes[I].height,
                                                           shapes[I].width, shapes[I].is_image()>();
        else
            return true;
    }
    template <std::size_t... I>
    static constexpr bool check_layer_inputs(std::index_sequence<I...>) {
        return (check_layer_input<Specs, I>() && ...);
    }
    static_assert(check_layer_inputs(std::index_sequence_for<Specs...>{}));

public:
    using layers_type = decltype(bind_layers(std::index_sequence_for<Specs...>{}));
    template <std::size_t I>
    using layer_type = std::remove_cvref_t<decltype(boost::hana::at_c<I>(std::declval<layers_type&>()))>;

private:
    template <class Layers, class F, std::size_t... I>
    static void visit_indexed(Layers& layers, F& f, std::index_sequence<I...>) {
        (f(boost::hana::at_c<I>(layers), std::integral_constant<std::size_t, I>{}), ...);
    }

    template <std::size_t... I>
    static constexpr bool check_protocol(std::index_sequence<I...>) {
        return (diagnostics::check_layer_protocol<Specs, I, layer_type<I>>() && ...);
    }
    static_assert(check_protocol(std::index_sequence_for<Specs...>{}));

    template <std::size_t... I>
    static constexpr std::size_t count_parameters(std::index_sequence<I...>) {
        return (layer_type<I>::parameter_count + ... + 0);
    }

public:
    static constexpr std::size_t parameter_count = count_parameters(std::index_sequence_for<Specs...>{});

    /// Builds the layers and initialises every parameter from `seed` (one stream per layer).
    explicit basic_network(std::uint64_t seed = 0) { initialize(seed); }

    /// Re-draws every parameter: layer i uses stream i of `seed`, so adding a layer at the end
    /// leaves the others' initial weights unchanged.
    void initialize(std::uint64_t seed) {
        detail::initialize_each(layers_, rng(seed));
        ++revision_.value;
    }

    /// Counts the times every weight was replaced at once (initialize, load, an assignment
    /// `net = other`): a trainer's optimizer state and last good state (non_finite_action::
    /// rollback) built before such a replacement are stale, so the trainer starts its state
    /// afresh and a rollback keeps the new weights. Writes to single weights are not counted.
    std::uint64_t revision() const noexcept { return revision_.value; }
    void note_weights_replaced() noexcept { ++revision_.value; }

    template <std::size_t I>
    layer_type<I>& layer() noexcept {
        return boost::hana::at_c<I>(layers_);
    }
    template <std::size_t I>
    const layer_type<I>& layer() const noexcept {
        return boost::hana::at_c<I>(layers_);
    }

    template <class F>
    void for_each_layer(F&& f) {
        boost::hana::for_each(layers_, f);
    }
    template <class F>
    void for_each_layer(F&& f) const {
        boost::hana::for_each(layers_, f);
    }
    /// f(layer, std::integral_constant<std::size_t, i>) for each layer i: a layer's position is
    /// the network's to know, not part of the layer's type (identical layers are one type).
    template <class F>
    void for_each_layer_indexed(F&& f) {
        visit_indexed(layers_, f, std::index_sequence_for<Specs...>{});
    }
    template <class F>
    void for_each_layer_indexed(F&& f) const {
        visit_indexed(layers_, f, std::index_sequence_for<Specs...>{});
    }
    /// Throws shape_error naming the layer and the parameter if a parameter's value was given
    /// another shape than its layer gave it (forward and save check it).
    void check_parameter_shapes() const {
        std::size_t at = 0;
        try {
            for_each_layer_indexed([&](const auto& layer, auto index) {
                at = index;
                detail::check_parameter_shapes(layer);
            });
        } catch (const shape_error& e) {
            throw shape_error(detail::at_layer_message(e.what(), at).c_str());
        }
    }
    /// Visits every parameter (layer order; weight before bias).
    template <class F>
    void for_each_parameter(F&& f) {
        for_each_layer([&](auto& layer) { layer.for_each_parameter(f); });
    }
    template <class F>
    void for_each_parameter(F&& f) const {
        for_each_layer([&](const auto& layer) { layer.for_each_parameter(f); });
    }

    /// Training mode (dropout drops, batch_norm uses batch statistics) or evaluation mode.
    /// `fit` and `train_step` switch to training; `predict` and `evaluate` run in evaluation
    /// mode and restore the previous one.
    void set_training(bool on) {
        training_ = on;
        detail::set_training_of(layers_, on);
    }
    bool training() const noexcept { return training_; }

    /// What a training forward changes besides its output: batch_norm's running estimates and
    /// counter, dropout's mask stream. The trainer keeps it before every step and restores it
    /// when it refuses the step, so a refused step changes nothing.
    void keep_forward_state() noexcept { detail::keep_forward_state_of(layers_); }
    void restore_forward_state() noexcept { detail::restore_forward_state_of(layers_); }

    /// Sizes every work buffer for batches of up to `rows` rows (of up to `steps` time steps
    /// for a sequence network). Training calls it once; a steady-state step then allocates
    /// nothing. Cold: run once per fit, so compiled for size.
    [[gnu::cold]] void reserve(std::size_t rows, std::size_t steps = 1) {
        if constexpr (!sequence_input) steps = 1;
        for_each_layer_indexed([&](auto& layer, auto index) {
            using layer_t = std::remove_cvref_t<decltype(layer)>;
            if constexpr (detail::recurrent_spec<layer_t>)
                layer.reserve(rows, steps);
            else
                layer.reserve(carries_sequence[index] ? rows * steps : rows);
        });
        const std::size_t cells = rows * steps, outputs = sequence_output ? cells : rows;
        detail::ensure_capacity(input_t_, cells * input_width);
        detail::ensure_capacity(output_gradient_, outputs * output_width);
        if constexpr (output_width > 1 || sequence_output) {
            detail::ensure_capacity(output_, outputs * output_width);
            detail::ensure_capacity(output_gradient_t_, outputs * output_width);
        }
        capacity_ = std::max(capacity_, rows);
        capacity_cells_ = std::max(capacity_cells_, cells);
    }
    /// Rows (samples) the buffers hold.
    std::size_t capacity() const noexcept { return capacity_; }
    /// Whether a batch of `rows` samples of `steps` steps fits the buffers without growing them.
    bool fits(std::size_t rows, std::size_t steps = 1) const noexcept {
        return rows <= capacity_ && rows * steps <= capacity_cells_;
    }

    // x (B, input_width), contiguous row-major -> ŷ (B, output_width) row-major, valid until
    // the next forward. Needs reserve(B) first; x must stay alive until backward.
    const T* forward(const T* x, std::size_t rows) requires(!sequence_input) {
        detail::transpose_rows<input_width>(x, input_t_.data(), rows);
        return forward_transposed(input_t_.data(), rows, rows);
    }

    // x (B, T, input_width), contiguous row-major -> ŷ (B, output_width), or (B, T,
    // output_width) for a sequence output, row-major. Needs reserve(B, T) first. `lengths`
    // (B lengths in [1, T], or empty: every sequence has T steps) marks the steps past each
    // sequence's length as padding: what x holds there is never read, recurrent layers stop
    // at each sequence's end, and a sequence output is 0 there. It must stay alive until
    // backward.
    const T* forward(const T* x, std::size_t rows, std::size_t steps, std::span<const std::size_t> lengths = {})
        requires sequence_input {
        detail::check_lengths(lengths, rows, steps, "forward");
        detail::sequence_to_feature_major<input_width>(x, input_t_.data(), rows, steps);
        detail::zero_padding(input_t_.data(), rows * steps, input_width, rows, steps, lengths);
        return forward_transposed(input_t_.data(), rows * steps, rows, steps, lengths);
    }

    // xᵀ (input_width, B), row k at x_t + k·ld -> ŷ (B, output_width) row-major. Inside, the
    // layers pass activations feature-major, (width, B), so every product runs along the batch.
    // A sequence is (width, T·B) inside, column t·B + b, and x_t is that for sequence networks;
    // `lengths` as for forward, except that x_t's padded columns are read by the layers before
    // the first recurrent one (keep them finite).
    const T* forward_transposed(const T* x_t, std::size_t ld, std::size_t rows, std::size_t steps = 1,
                                std::span<const std::size_t> lengths = {}) {
        if constexpr (!sequence_input) steps = 1;
        rows_ = rows;
        steps_ = steps;
        lengths_ = lengths;
        const T* in = x_t;
        std::size_t in_ld = ld;
        std::size_t at = 0;  // the layer running, for a shape error's message
        try {
            for_each_layer_indexed([&](auto& layer, auto index) {
                using layer_t = std::remove_cvref_t<decltype(layer)>;
                at = index;
                detail::check_parameter_shapes(layer);
                if constexpr (detail::recurrent_spec<layer_t>) {
                    if constexpr (requires { layer.forward(in, in_ld, rows, steps, lengths); })
                        in = layer.forward(in, in_ld, rows, steps, lengths);
                    else if (!lengths.empty())
                        throw invalid_argument(std::string("ctnn: ") + std::string(layer_t::kind)
                                               + " takes no sequence lengths: its forward has no lengths parameter");
                    else
                        in = layer.forward(in, in_ld, rows, steps);
                    in_ld = layer_t::returns_sequence ? rows * steps : rows;
                } else {
                    const std::size_t columns = carries_sequence[index] ? rows * steps : rows;
                    in = layer.forward(in, in_ld, columns);
                    in_ld = columns;
                }
            });
        } catch (const shape_error& e) {
            throw shape_error(detail::at_layer_message(e.what(), at).c_str());
        } catch (const invalid_argument& e) {
            throw invalid_argument(detail::at_layer_message(e.what(), at).c_str());
        }
        if constexpr (sequence_output) {
            if (output_width == 1 && steps == 1) return in;
            detail::feature_major_to_sequence<output_width>(in, output_.data(), rows, steps);
            detail::zero_padded_rows(output_.data(), steps, output_width, lengths);
            return output_.data();
        } else if constexpr (output_width == 1) {
            return in;  // (1, B) and (B, 1) are the same memory
        } else {
            detail::transpose_columns<output_width>(in, output_.data(), rows);
            return output_.data();
        }
    }

    /// Rows of ŷ for the last forward pass: B, or B·T for a sequence output.
    std::size_t output_rows() const noexcept { return sequence_output ? rows_ * steps_ : rows_; }

    /// The buffer the loss writes dL/dŷ into before `backward`: (rows, output_width) row-major,
    /// rows = output_rows() (a sequence output (B, T, O) is viewed as (B·T, O)).
    auto output_gradient(std::size_t rows) {
        return detail::matrix_view(output_gradient_.data(), rows, output_width);
    }

    /// Back-propagates the loss gradient held in output_gradient() through every layer, last
    /// to first, writing each parameter's grad (gradients are set, not accumulated).
    void backward() { backward_through<false>(); }

    /// Every layer can fold a plain SGD step into its weight-gradient product (dense layers);
    /// the trainer then does so with clip::off (see backward_signals).
    template <std::size_t... I>
    static constexpr bool all_support_fused_sgd(std::index_sequence<I...>) {
        return (detail::layer_supports_fused_sgd<layer_type<I>> && ...);
    }
    static constexpr bool supports_fused_sgd = all_support_fused_sgd(std::index_sequence_for<Specs...>{});

    /// backward without the weight gradients: each layer's ∂L/∂z, its bias gradient and the
    /// gradient it sends down. Then either form_weight_gradients(), or, when
    /// bound_fused_step(...).gradients, each layer's fused_sgd_step.
    void backward_signals() requires supports_fused_sgd { backward_through<true>(); }

    /// What the folded path may leave out, known after backward_signals with a finite loss.
    struct fused_step_bounds {
        bool gradients = true;  ///< every weight gradient certainly finite: none needs forming to be checked
        bool steps = true;      ///< the folded step certainly leaves every value and buffer finite
    };
    /// Each layer's dense_layer::weight_gradient_bound and folded_step_bounded for the step `s`.
    /// A finite loss means every activation was finite (each activation lets NaN and ±inf
    /// through or saturates), so a layer after a bounded activation (tanh, sigmoid, softsign)
    /// needs no scan of its input.
    /// `states`: the optimizer state of every parameter, in for_each_parameter's order;
    /// `recorded`: their largest_written describe the parameters as they are (the trainer knows).
    template <class State>
    fused_step_bounds bound_fused_step(const optim::folded_step& s, const State* states, bool recorded = false) const
        requires supports_fused_sgd {
        fused_step_bounds bounds;
        bound_fused_step_from<0>(s, states, recorded, bounds);
        return bounds;
    }
    void form_weight_gradients() requires supports_fused_sgd {
        for_each_layer([](auto& layer) { layer.form_weight_gradient(); });
    }

    /// Inference: ŷ (rows, output_width) for x (rows, input_width), or (rows, C, H, W) for an
    /// image input, in chunks so that memory stays bounded however many rows x has.
    template <class X>
    tensor<T, 2> predict(const X& x) requires(!sequence_input) {
        static_assert(detail::check_data_type<T, X>());
        if constexpr (!detail::network_data<X, T>) return {};  // refused above: no second error
        else {
            const std::size_t rows = detail::check_samples(x, shapes.front(), "predict", "x");
            const evaluation_mode eval(*this);
            auto y = tensor<T, 2>::from_shape({rows, output_width});
            const std::size_t chunk = std::max<std::size_t>(capacity(), 256);
            reserve(std::min(rows, chunk));
            for (std::size_t first = 0; first < rows; first += chunk) {
                const std::size_t n = std::min(chunk, rows - first);
                const T* out = forward(x.data() + first * input_width, n);
                std::copy(out, out + n * output_width, y.data() + first * output_width);
            }
            return y;
        }
    }

    /// Inference on sequences: x (B, T, input_width) -> ŷ (B, output_width), or (B, T,
    /// output_width) for a sequence output; in chunks of sequences.
    template <class X>
    prediction_type predict(const X& x) requires sequence_input {
        static_assert(detail::check_data_type<T, X>());
        if constexpr (!detail::network_data<X, T>) return {};
        else return predict_sequences(x, {});
    }

    /// Inference on sequences of different lengths: ŷ as predict(x) gives it, a sequence output
    /// being 0 at each sequence's padded steps.
    template <class X>
    prediction_type predict(const padded_sequences<X>& x) requires sequence_input {
        static_assert(detail::check_data_type<T, X>());
        if constexpr (!detail::network_data<X, T>) return {};
        else return predict_sequences(x.values(), x.lengths());
    }

    /// Refused at compile time: padded_sequences_need_a_sequence_network.
    template <class X>
    tensor<T, 2> predict(const padded_sequences<X>&) requires(!sequence_input) {
        static_assert(diagnostics::check_padded_input<padded_sequences<X>, true, sequence_input>());
        return {};
    }

    /// Refused at compile time (predict_needs_a_non_const_network): predict writes the work
    /// buffers, so a const network cannot run it, and no two threads may run it on one network.
    template <class X>
    prediction_type predict(const X&) const {
        static_assert(diagnostics::check_predict_on_a_const_network<X>());
        return {};  // a type, so that `auto y = m.predict(x)` is not a second error
    }

    /// Class probabilities, predict's shape: what the last layer outputs, read as it says.
    /// A softmax (or a sigmoid dense layer) gives them already; a log_softmax gives their
    /// logs (exp is taken); anything else gives logits: one output is the logit of class 1
    /// (a sigmoid is taken, as for bce_with_logits), several are one class's each (a softmax
    /// per row, as for softmax_cross_entropy). A multi-label network (several logits trained
    /// with bce_with_logits) wants a sigmoid per output instead: 1/(1 + e^−ŷ) of predict.
    template <class X>
    auto predict_proba(const X& x) {
        auto y = predict(x);
        detail::scores_to_probabilities<detail::scores_of<layer_type<depth - 1>>(), output_width>(
            y.data(), y.size() / output_width);
        if constexpr (sequence_output && detail::is_padded<X>)  // no probabilities where there is no step
            detail::zero_padded_rows(y.data(), y.shape()[1], output_width, x.lengths());
        return y;
    }
    template <class X>
    void predict_proba(const X&) const {
        static_assert(diagnostics::check_predict_on_a_const_network<X>());
    }

    /// Switches a network to evaluation mode for a scope, then back to its previous mode.
    class evaluation_mode {
    public:
        explicit evaluation_mode(basic_network& evaluated) : net_(evaluated), was_training_(evaluated.training()) {
            if (was_training_) net_.set_training(false);
        }
        ~evaluation_mode() {
            if (was_training_) net_.set_training(true);
        }
        evaluation_mode(const evaluation_mode&) = delete;
        evaluation_mode& operator=(const evaluation_mode&) = delete;

    private:
        basic_network& net_;
        bool was_training_;
    };

private:
    template <class X>
    prediction_type predict_sequences(const X& x, std::span<const std::size_t> lengths) {
        const auto shape = detail::check_sequences(x, input_width, "predict", "x");
        const std::size_t rows = shape.rows, steps = shape.steps;
        detail::check_lengths(lengths, rows, steps, "predict");
        const evaluation_mode eval(*this);
        auto y = [&] {
            if constexpr (sequence_output)
                return prediction_type::from_shape({rows, steps, output_width});
            else
                return prediction_type::from_shape({rows, output_width});
        }();
        const std::size_t chunk = std::max<std::size_t>(capacity(), 64);
        const std::size_t per_row = (sequence_output ? steps : 1) * output_width;
        reserve(std::min(rows, chunk), steps);
        for (std::size_t first = 0; first < rows; first += chunk) {
            const std::size_t n = std::min(chunk, rows - first);
            const T* out = forward(x.data() + first * steps * input_width, n, steps,
                                   lengths.empty() ? lengths : lengths.subspan(first, n));
            std::copy(out, out + n * per_row, y.data() + first * per_row);
        }
        return y;
    }

    template <std::size_t I, class State>
    void bound_fused_step_from(const optim::folded_step& s, const State* states, bool recorded,
                               fused_step_bounds& bounds) const {
        double input_bound = -1.0;  // the data: scanned
        if constexpr (I > 0)
            if constexpr (requires { typename layer_type<I - 1>::activation_type; })
                input_bound = expr::activation_traits<typename layer_type<I - 1>::activation_type>::output_bound;
        const double gradient_bound = layer<I>().weight_gradient_bound(input_bound);
        if (!(gradient_bound <= double(std::numeric_limits<T>::max()) / 4)) {
            bounds = {false, false};
            return;
        }
        bounds.steps = bounds.steps && layer<I>().folded_step_bounded(s, gradient_bound, states, recorded);
        if constexpr (I + 1 < depth)
            bound_fused_step_from<I + 1>(s, states + layer_type<I>::parameter_tensors, recorded, bounds);
    }

    template <bool SignalsOnly>
    void backward_through() {
        // ŷ is 0 at padded steps whatever the layers made there: no gradient enters from them
        if constexpr (sequence_output) detail::zero_padded_rows(output_gradient_.data(), steps_, output_width, lengths_);
        if constexpr (sequence_output) {
            if (output_width == 1 && steps_ == 1) {
                backward_from<depth - 1, SignalsOnly>(output_gradient_.data());
            } else {
                detail::sequence_to_feature_major<output_width>(output_gradient_.data(),
                                                                output_gradient_t_.data(), rows_, steps_);
                backward_from<depth - 1, SignalsOnly>(output_gradient_t_.data());
            }
        } else if constexpr (output_width == 1) {
            backward_from<depth - 1, SignalsOnly>(output_gradient_.data());
        } else {
            detail::transpose_rows<output_width>(output_gradient_.data(), output_gradient_t_.data(), rows_);
            backward_from<depth - 1, SignalsOnly>(output_gradient_t_.data());
        }
    }

    template <std::size_t I, bool SignalsOnly>
    void backward_from(T* gradient) {
        T* input_gradient;
        try {
            if constexpr (SignalsOnly)
                input_gradient = layer<I>().backward_signal(gradient);
            else
                input_gradient = layer<I>().backward(gradient);
        } catch (const invalid_argument& e) {  // a layer's refusal, named by its position as in forward
            throw invalid_argument(detail::at_layer_message(e.what(), I).c_str());
        }
        if constexpr (I > 0) backward_from<I - 1, SignalsOnly>(input_gradient);
    }

    layers_type layers_;
    bool training_ = true;
    std::size_t rows_ = 0;            // samples in the last forward pass
    std::size_t steps_ = 1;           // time steps in the last forward pass
    std::span<const std::size_t> lengths_;  // the last forward pass's sequence lengths, if any
    detail::revision_counter revision_;  // see revision()
    std::size_t capacity_ = 0;        // samples the buffers hold
    std::size_t capacity_cells_ = 0;  // samples × steps the buffers hold
    detail::buffer<T> input_t_;             // xᵀ (input_width, B) for forward from row-major data
    detail::buffer<T> output_;              // ŷ (B, output_width), when output_width > 1
    detail::buffer<T> output_gradient_;     // dL/dŷ (B, output_width)
    detail::buffer<T> output_gradient_t_;   // its transpose (output_width, B), when output_width > 1
};

/// The usual spelling: `network<input<10>, dense<5, relu>, dense<1>>` in float.
template <class Input, class... Layers>
using network = basic_network<float, Input, Layers...>;

}  // namespace ctnn
