// basic_network<T, input<N>, Layers...>: a neural network as a static type. Widths are checked
// and inferred at compile time; forward visits the layer tuple in order, backward in reverse.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include "ctnn/core/input.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/detail/affine.hpp"
#include "ctnn/detail/data_check.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

namespace detail {
template <class I>
struct is_input : std::false_type {};
template <std::size_t N>
struct is_input<input<N>> : std::true_type {};

/// A layer whose output width is its input width (batch_norm, dropout...): it declares
/// `static constexpr bool preserves_width = true` instead of an `output_width`.
template <class Spec>
concept width_preserving_spec = requires { requires Spec::preserves_width; };

template <class Spec>
concept layer_spec = width_preserving_spec<Spec> || requires {
    { Spec::output_width } -> std::convertible_to<std::size_t>;
};

/// A type that is no layer at all passes the width on too: check_network has reported it, and
/// this keeps that report the only one about widths.
template <class Spec>
constexpr std::size_t output_width_of(std::size_t previous_width) {
    if constexpr (width_preserving_spec<Spec> || !layer_spec<Spec>)
        return previous_width;
    else
        return Spec::output_width;
}

/// {input width, each layer's output width}: a width-preserving layer repeats the one before.
template <std::size_t InputWidth, class... Specs>
constexpr std::array<std::size_t, sizeof...(Specs) + 1> layer_widths() {
    std::array<std::size_t, sizeof...(Specs) + 1> widths{InputWidth};
    std::size_t i = 0;
    ((widths[i + 1] = output_width_of<Specs>(widths[i]), ++i), ...);
    return widths;
}

template <class T, class Input, class... Specs>
constexpr bool check_network() {
    static_assert(diagnostics::check_scalar<T>());
    static_assert(is_input<Input>::value
                      || diagnostics::network_input_is_not_ctnn_input<Input>::value,
                  "ctnn: a network's first type argument must be ctnn::input<N>");
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
    /// widths[0] is the input width, widths[i + 1] layer i's output width.
    static constexpr std::array<std::size_t, depth + 1> widths =
        detail::layer_widths<Input::width, Specs...>();
    static constexpr std::size_t input_width = widths.front();
    static constexpr std::size_t output_width = widths.back();

private:
    template <std::size_t... I>
    static auto bind_layers(std::index_sequence<I...>)
        -> boost::hana::tuple<typename Specs::template bind<T, I, widths[I]>::type...>;

public:
    using layers_type = decltype(bind_layers(std::index_sequence_for<Specs...>{}));
    template <std::size_t I>
    using layer_type = std::remove_cvref_t<decltype(boost::hana::at_c<I>(std::declval<layers_type&>()))>;

private:
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
        const rng root(seed);
        for_each_layer([&](auto& layer) { layer.initialize(root.stream(layer.index)); });
    }

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
        for_each_layer([on](auto& layer) {
            if constexpr (requires { layer.set_training(on); }) layer.set_training(on);
        });
    }
    bool training() const noexcept { return training_; }

    /// Sizes every work buffer for batches of up to `rows` rows. Training calls it once; a
    /// steady-state step then allocates nothing.
    void reserve(std::size_t rows) {
        for_each_layer([&](auto& layer) { layer.reserve(rows); });
        detail::ensure_capacity(input_t_, rows * input_width);
        detail::ensure_capacity(output_gradient_, rows * output_width);
        if constexpr (output_width > 1) {
            detail::ensure_capacity(output_, rows * output_width);
            detail::ensure_capacity(output_gradient_t_, rows * output_width);
        }
    }
    std::size_t capacity() const noexcept { return layer<0>().capacity(); }

    // x (B, input_width), contiguous row-major -> ŷ (B, output_width) row-major, valid until
    // the next forward. Needs reserve(B) first; x must stay alive until backward.
    const T* forward(const T* x, std::size_t rows) {
        detail::transpose_rows<input_width>(x, input_t_.data(), rows);
        return forward_transposed(input_t_.data(), rows, rows);
    }

    // xᵀ (input_width, B), row k at x_t + k·ld -> ŷ (B, output_width) row-major. Inside, the
    // layers pass activations feature-major, (width, B), so every product runs along the batch.
    const T* forward_transposed(const T* x_t, std::size_t ld, std::size_t rows) {
        const T* in = x_t;
        std::size_t in_ld = ld;
        boost::hana::for_each(layers_, [&](auto& layer) {
            in = layer.forward(in, in_ld, rows);
            in_ld = rows;
        });
        if constexpr (output_width == 1) {
            return in;  // (1, B) and (B, 1) are the same memory
        } else {
            detail::transpose_columns<output_width>(in, output_.data(), rows);
            return output_.data();
        }
    }

    /// The buffer the loss writes dL/dŷ (B, output_width), row-major, into before `backward`.
    auto output_gradient(std::size_t rows) {
        return detail::matrix_view(output_gradient_.data(), rows, output_width);
    }

    /// Back-propagates the loss gradient held in output_gradient() through every layer, last
    /// to first, writing each parameter's grad (gradients are set, not accumulated).
    void backward() {
        if constexpr (output_width == 1) {
            backward_from<depth - 1>(output_gradient_.data());
        } else {
            const std::size_t rows = layer<depth - 1>().rows();
            detail::transpose_rows<output_width>(output_gradient_.data(), output_gradient_t_.data(), rows);
            backward_from<depth - 1>(output_gradient_t_.data());
        }
    }

    /// Inference: ŷ (rows, output_width) for x (rows, input_width), in chunks so that memory
    /// stays bounded however many rows x has.
    template <matrix_of<T> X>
    tensor<T, 2> predict(const X& x) {
        const std::size_t rows = detail::check_matrix(x, input_width, "predict", "x");
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

    /// Switches a network to evaluation mode for a scope, then back to its previous mode.
    class evaluation_mode {
    public:
        explicit evaluation_mode(basic_network& net) : net_(net), was_training_(net.training()) {
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
    template <std::size_t I>
    void backward_from(T* gradient) {
        T* input_gradient = layer<I>().backward(gradient);
        if constexpr (I > 0) backward_from<I - 1>(input_gradient);
    }

    layers_type layers_;
    bool training_ = true;
    tensor<T, 1> input_t_;             // xᵀ (input_width, B) for forward from row-major data
    tensor<T, 1> output_;              // ŷ (B, output_width), when output_width > 1
    tensor<T, 1> output_gradient_;     // dL/dŷ (B, output_width)
    tensor<T, 1> output_gradient_t_;   // its transpose (output_width, B), when output_width > 1
};

/// The usual spelling: `network<input<10>, dense<5, relu>, dense<1>>` in float.
template <class Input, class... Layers>
using network = basic_network<float, Input, Layers...>;

}  // namespace ctnn
