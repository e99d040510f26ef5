// concatenate<branch<...>, branch<...>...>: a multi-branch block. Every branch runs its layers
// on the block's input and the outputs are joined feature-wise, as PyTorch's
// torch.cat([b(x) for b in branches], dim=1) (Inception-style blocks; branch<> is x itself, so
// concatenate<branch<>, branch<dense<16, relu>>> is DenseNet's [x, f(x)]). Backward hands each
// branch its rows of dL/dy and sums what the branches send back: dx = Σ_j dB_j(x)/dx · dy_j.
#pragma once

#include <algorithm>
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
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/layer_chain.hpp"
#include "ctnn/detail/layer_tuple.hpp"
#include "ctnn/detail/matrix_view.hpp"

namespace ctnn {

/// One branch of concatenate<...>: layers applied in order to the block's input; none at all
/// passes the input itself on.
template <class... Layers>
struct branch {
    /// The branch's output width on `input_width` features per row.
    static constexpr std::size_t output_width_on(std::size_t input_width) noexcept {
        return detail::layer_shapes<Layers...>(features_shape(input_width)).back().size();
    }
    static constexpr bool holds_recurrent_layer = (detail::recurrent_spec<Layers> || ...);
    template <class T, std::size_t Width, bool InputGradient>
    using chain = detail::layer_chain<T, Width, InputGradient, Layers...>;
};

namespace detail {
template <class B>
struct is_branch : std::false_type {};
template <class... Layers>
struct is_branch<branch<Layers...>> : std::true_type {};
}  // namespace detail

/// The block as it lives inside a network: one layer_chain per branch, on the same input.
/// Branch j's inner layers draw from stream j of the block's stream.
template <class T, std::size_t Width, bool InputGradient, class... Branches>
class concatenate_layer {
    template <class Branch>
    using chain_of = typename Branch::template chain<T, Width, InputGradient>;
    using chains_type = boost::hana::tuple<chain_of<Branches>...>;
    static constexpr std::size_t branch_count = sizeof...(Branches);
    static constexpr std::array<std::size_t, branch_count> branch_widths{chain_of<Branches>::output_width...};
    /// Branch j's rows of the output start at row offsets[j].
    static constexpr std::array<std::size_t, branch_count + 1> offsets = [] {
        std::array<std::size_t, branch_count + 1> o{};
        for (std::size_t j = 0; j < branch_count; ++j) o[j + 1] = o[j] + branch_widths[j];
        return o;
    }();

public:
    using scalar = T;
    static constexpr std::string_view kind = "concatenate";
    static constexpr std::size_t input_width = Width;
    static constexpr std::size_t output_width = offsets.back();
    static constexpr bool computes_input_gradient = InputGradient;
    static constexpr std::size_t parameter_count = (chain_of<Branches>::parameter_count + ... + 0);
    static constexpr std::size_t buffer_count = (chain_of<Branches>::buffer_count + ... + 0);
    /// What a saved model records of the branches: one bracket of kinds and activations each.
    static std::string inner_layers_description() {
        return (std::string() + ... + chain_of<Branches>::inner_layers_description());
    }

    void initialize(rng stream) { detail::initialize_each(branches_, stream); }
    void set_training(bool on) { detail::set_training_of(branches_, on); }
    void keep_forward_state() noexcept { detail::keep_forward_state_of(branches_); }
    void restore_forward_state() noexcept { detail::restore_forward_state_of(branches_); }
    void use_rank_stream(std::size_t rank) noexcept { detail::use_rank_stream_of_each(branches_, rank); }

    /// Sizes the work buffers for batches of up to `rows` rows (only ever grows them).
    void reserve(std::size_t rows) {
        boost::hana::for_each(branches_, [rows](auto& b) { b.reserve(rows); });
        detail::ensure_capacity(output_, rows * output_width);
        if constexpr (computes_input_gradient) detail::ensure_capacity(input_gradient_, rows * Width);
    }

    // xᵀ (Width, B), row k at in_t + k·ld (ld ≥ B) -> yᵀ (output_width, B) packed: branch j's
    // output in rows [offsets[j], offsets[j + 1]). The input must stay alive until backward.
    const T* forward(const T* in_t, std::size_t ld, std::size_t rows) {
        rows_ = rows;
        std::size_t j = 0;
        boost::hana::for_each(branches_, [&](auto& b) {
            const T* h = b.forward(in_t, ld, rows);
            detail::copy_rows(h, b.output_ld(), branch_widths[j], rows, output_.data() + offsets[j] * rows);
            ++j;
        });
        return output_.data();
    }

    // dyᵀ (output_width, B), which the branches overwrite -> each branch's parameters' grads
    // and dxᵀ = Σ_j (branch j's dx) (Width, B), or nullptr for the network's first layer.
    T* backward(T* dy_t) {
        const std::size_t n = Width * rows_;
        T* dx = computes_input_gradient ? input_gradient_.data() : nullptr;
        std::size_t j = 0;
        boost::hana::for_each(branches_, [&](auto& b) {
            T* dx_branch = b.backward(dy_t + offsets[j] * rows_);
            if constexpr (computes_input_gradient) {
                if (j == 0)
                    std::copy_n(dx_branch, n, dx);
                else
                    for (std::size_t i = 0; i < n; ++i) dx[i] += dx_branch[i];
            }
            ++j;
        });
        return dx;
    }

    /// The last forward pass's output, feature-major: yᵀ (output_width, B).
    auto output() const {
        return detail::matrix_view(static_cast<const T*>(output_.data()), output_width, rows_);
    }
    std::size_t rows() const noexcept { return rows_; }

    /// Inner layer K of branch J, as bound.
    template <std::size_t J, std::size_t K>
    auto& layer() noexcept {
        return boost::hana::at_c<J>(branches_).template layer<K>();
    }
    template <std::size_t J, std::size_t K>
    const auto& layer() const noexcept {
        return boost::hana::at_c<J>(branches_).template layer<K>();
    }

    template <class F>
    void for_each_parameter(F&& f) {
        boost::hana::for_each(branches_, [&](auto& b) { b.for_each_parameter(f); });
    }
    template <class F>
    void for_each_parameter(F&& f) const {
        boost::hana::for_each(branches_, [&](const auto& b) { b.for_each_parameter(f); });
    }
    /// f(layer, name) for each inner layer, named "branches.<j>.<k>" as below.
    template <class F>
    void for_each_inner_layer(F&& f) {
        detail::for_each_prefixed(branches_, "branches.",
                                  [&](auto& b, std::string_view prefix) { b.for_each_inner_layer(prefix, f); });
    }
    template <class F>
    void for_each_inner_layer(F&& f) const {
        detail::for_each_prefixed(branches_, "branches.",
                                  [&](auto& b, std::string_view prefix) { b.for_each_inner_layer(prefix, f); });
    }
    /// Named as PyTorch's state_dict names an nn.ModuleList of nn.Sequential branches inside a
    /// module: "branches.<j>.<k>.<name>".
    template <class F>
    void for_each_named_parameter(F&& f) {
        detail::for_each_prefixed(branches_, "branches.",
                                  [&](auto& b, std::string_view prefix) { b.for_each_named_parameter(prefix, f); });
    }
    template <class F>
    void for_each_named_parameter(F&& f) const {
        detail::for_each_prefixed(branches_, "branches.",
                                  [&](auto& b, std::string_view prefix) { b.for_each_named_parameter(prefix, f); });
    }
    /// The branches' saved state that is not trained (batch_norm's running statistics).
    template <class F>
    void for_each_buffer(F&& f) {
        detail::for_each_prefixed(branches_, "branches.",
                                  [&](auto& b, std::string_view prefix) { b.for_each_buffer(prefix, f); });
    }
    template <class F>
    void for_each_buffer(F&& f) const {
        detail::for_each_prefixed(branches_, "branches.",
                                  [&](auto& b, std::string_view prefix) { b.for_each_buffer(prefix, f); });
    }

private:

    chains_type branches_;
    detail::buffer<T> output_;          // yᵀ (output_width, B)
    detail::buffer<T> input_gradient_;  // dxᵀ (Width, B)
    std::size_t rows_ = 0;
};

/// A multi-branch block as written in a network's type list:
/// `concatenate<branch<dense<8, relu>>, branch<dense<4, tanh>, dense<2>>, branch<>>` runs both
/// layer lists and the identity on its input and joins the three outputs, 8 + 2 + width(x)
/// features per row.
template <class... Branches>
struct concatenate {
    static_assert(sizeof...(Branches) > 0, "ctnn: concatenate<...> needs at least one branch<...>");
    static_assert((detail::is_branch<Branches>::value && ...),
                  "ctnn: concatenate<...> takes branches: concatenate<branch<dense<8>>, branch<dense<4>>>");
    static_assert(!(Branches::holds_recurrent_layer || ...),
                  "ctnn: a branch of concatenate<...> holds layers applied to each row (dense, "
                  "normalisation, dropout, blocks); a recurrent layer inside it is not supported");

    /// The branches' widths added up, per row (on the time axis if the input has one).
    static constexpr shape output_shape(shape in) noexcept {
        return rows_of(in, (Branches::output_width_on(in.size()) + ...));
    }

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_layer_reads_features<concatenate, Index, InputShape.channels,
                                                              InputShape.height, InputShape.width,
                                                              InputShape.is_image()>());
        using type = concatenate_layer<T, InputShape.size(), diagnostics::computes_input_gradient(Index), Branches...>;
    };
};

}  // namespace ctnn
