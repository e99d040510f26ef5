// layer_chain: layers bound in order inside a block (residual's body, a branch of concatenate),
// run as a network runs its own: forward in order, backward in reverse, names prefixed as
// PyTorch's state_dict prefixes an nn.Sequential's inside a module.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include "ctnn/core/network.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/layer_tuple.hpp"
#include "ctnn/detail/network_visit.hpp"

namespace ctnn::detail {

/// Specs... bound to feature rows of `Width`, each to the shape before it. Inner layer k
/// computes its input gradient unless the block is the network's first layer and k = 0
/// (nobody reads dL/dx of the data), and is bound at diagnostics::inner_layer_base + k (that
/// first one at diagnostics::first_inner_layer_without_input_gradient) so that its compile
/// errors say inner_layer<k>. No layers at all is the identity.
template <class T, std::size_t Width, bool InputGradient, class... Specs>
class layer_chain {
    static constexpr std::array<shape, sizeof...(Specs) + 1> shapes = layer_shapes<Specs...>(features_shape(Width));
    template <std::size_t... K>
    static auto bind_inner(std::index_sequence<K...>)
        -> boost::hana::tuple<typename Specs::template bind<
            T, (!InputGradient && K == 0) ? diagnostics::first_inner_layer_without_input_gradient
                                           : diagnostics::inner_layer_base + K,
            shapes[K]>::type...>;
    using inner_type = decltype(bind_inner(std::index_sequence_for<Specs...>{}));
    template <std::size_t K>
    using inner_layer = std::remove_cvref_t<decltype(boost::hana::at_c<K>(std::declval<inner_type&>()))>;

    template <std::size_t... K>
    static constexpr std::size_t count_parameters(std::index_sequence<K...>) {
        return (inner_layer<K>::parameter_count + ... + 0);
    }
    template <std::size_t... K>
    static constexpr std::size_t count_buffers(std::index_sequence<K...>) {
        return (buffer_count_of<inner_layer<K>>() + ... + 0);
    }

public:
    static constexpr std::size_t depth = sizeof...(Specs);
    static constexpr std::size_t input_width = Width;
    static constexpr std::size_t output_width = shapes.back().size();
    static constexpr std::size_t parameter_count = count_parameters(std::index_sequence_for<Specs...>{});
    static constexpr std::size_t buffer_count = count_buffers(std::index_sequence_for<Specs...>{});

    /// "[dense squareplus, dense identity]": each inner layer's kind and activation, as a saved
    /// model records the block (network_visit.hpp, saved_activation).
    static std::string inner_layers_description() {
        std::string d = "[";
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            ((d += (K == 0 ? "" : ", ") + inner_layer_description<inner_layer<K>>()), ...);
        }(std::index_sequence_for<Specs...>{});
        return d + "]";
    }

    /// Inner layer k draws from stream k of the block's stream.
    void initialize(rng stream) { initialize_each(inner_, stream); }
    void set_training(bool on) { set_training_of(inner_, on); }
    /// The inner layers' forward state (network::keep_forward_state says what that is).
    void keep_forward_state() noexcept { keep_forward_state_of(inner_); }
    void restore_forward_state() noexcept { restore_forward_state_of(inner_); }
    void use_rank_stream(std::size_t rank) noexcept { use_rank_stream_of_each(inner_, rank); }

    void reserve(std::size_t rows) {
        boost::hana::for_each(inner_, [rows](auto& layer) { layer.reserve(rows); });
    }

    // xᵀ (Width, B), row k at in_t + k·ld -> the last layer's output (output_width, B), rows
    // output_ld() apart: B, or ld when there are no layers (the input itself).
    const T* forward(const T* in_t, std::size_t ld, std::size_t rows) {
        const T* h = in_t;
        output_ld_ = ld;
        boost::hana::for_each(inner_, [&](auto& layer) {
            h = layer.forward(h, output_ld_, rows);
            output_ld_ = rows;
        });
        return h;
    }
    std::size_t output_ld() const noexcept { return output_ld_; }

    // dyᵀ (output_width, B), which the layers overwrite -> dxᵀ (Width, B) packed, or nullptr
    // for the network's first layer. With no layers dx is dy itself.
    T* backward(T* dy_t) {
        if constexpr (depth > 0)
            return backward_from<depth - 1>(dy_t);
        else if constexpr (InputGradient)
            return dy_t;
        else
            return nullptr;
    }

    template <std::size_t K>
    auto& layer() noexcept {
        return boost::hana::at_c<K>(inner_);
    }
    template <std::size_t K>
    const auto& layer() const noexcept {
        return boost::hana::at_c<K>(inner_);
    }

    template <class F>
    void for_each_parameter(F&& f) {
        boost::hana::for_each(inner_, [&](auto& layer) { layer.for_each_parameter(f); });
    }
    template <class F>
    void for_each_parameter(F&& f) const {
        boost::hana::for_each(inner_, [&](const auto& layer) { layer.for_each_parameter(f); });
    }

    /// f(layer, name) for each inner layer k, name = prefix + "<k>" (the monitor's rows).
    template <class F>
    void for_each_inner_layer(std::string_view prefix, F& f) {
        visit_named_layers(*this, prefix, f);
    }
    template <class F>
    void for_each_inner_layer(std::string_view prefix, F& f) const {
        visit_named_layers(*this, prefix, f);
    }

    /// f(prefix + "<k>." + name, parameter) for each inner layer k's named parameters.
    template <class F>
    void for_each_named_parameter(std::string_view prefix, F& f) {
        visit_prefixed(*this, prefix, f, [](auto& layer, auto&& g) { for_each_named_parameter_of(layer, g); });
    }
    template <class F>
    void for_each_named_parameter(std::string_view prefix, F& f) const {
        visit_prefixed(*this, prefix, f, [](auto& layer, auto&& g) { for_each_named_parameter_of(layer, g); });
    }
    /// The same for saved state that is not trained (batch_norm's running statistics).
    template <class F>
    void for_each_buffer(std::string_view prefix, F& f) {
        visit_prefixed(*this, prefix, f, [](auto& layer, auto&& g) { for_each_buffer_of(layer, g); });
    }
    template <class F>
    void for_each_buffer(std::string_view prefix, F& f) const {
        visit_prefixed(*this, prefix, f, [](auto& layer, auto&& g) { for_each_buffer_of(layer, g); });
    }

private:
    template <std::size_t K>
    T* backward_from(T* gradient) {
        T* below = boost::hana::at_c<K>(inner_).backward(gradient);
        if constexpr (K > 0)
            return backward_from<K - 1>(below);
        else
            return below;
    }

    template <class Self, class F>
    static void visit_named_layers(Self& self, std::string_view prefix, F& f) {
        for_each_prefixed(self.inner_, prefix, [&](auto& layer, std::string_view layer_prefix) {
            f(layer, layer_prefix.substr(0, layer_prefix.size() - 1));  // without the trailing '.'
        });
    }

    template <class Self, class F, class Visit>
    static void visit_prefixed(Self& self, std::string_view prefix, F& f, Visit visit) {
        for_each_prefixed(self.inner_, prefix, [&](auto& layer, std::string_view layer_prefix) {
            visit(layer, [&](std::string_view name, auto& x) {
                const std::string full = std::string(layer_prefix) + std::string(name);
                f(std::string_view(full), x);
            });
        });
    }

    inner_type inner_;
    std::size_t output_ld_ = 0;
};

}  // namespace ctnn::detail
