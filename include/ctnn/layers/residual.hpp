// residual<Layers...>: a skip connection, y = x + F(x), where F is the layers given in order (as
// PyTorch's `x + body(x)` with body an nn.Sequential). F's output width must equal its input
// width; a mismatch is a compile error naming the block and both widths. Backward sends
// dL/dy through F and adds it to what comes back: dx = dy + dF(x)/dx · dy, so the gradient has
// a path around F that no saturating layer inside it can shrink (He et al. 2016).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

#include "ctnn/core/network.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/layer_chain.hpp"
#include "ctnn/detail/matrix_view.hpp"

namespace ctnn {

/// The block as it lives inside a network: its inner layers bound in order (a layer_chain),
/// each to the width before it.
template <class T, std::size_t Width, bool InputGradient, class... Specs>
class residual_layer {
    using body_type = detail::layer_chain<T, Width, InputGradient, Specs...>;

public:
    using scalar = T;
    static constexpr std::string_view kind = "residual";
    static constexpr std::size_t input_width = Width;
    static constexpr std::size_t output_width = Width;
    static constexpr bool computes_input_gradient = InputGradient;
    static constexpr std::size_t depth = sizeof...(Specs);
    static constexpr std::size_t parameter_count = body_type::parameter_count;
    static constexpr std::size_t buffer_count = body_type::buffer_count;
    /// What a saved model records of the inner layers (their kinds and activations).
    static std::string inner_layers_description() { return body_type::inner_layers_description(); }

    /// Inner layer k draws from stream k of the block's stream.
    void initialize(rng stream) { body_.initialize(stream); }
    void set_training(bool on) { body_.set_training(on); }
    void keep_forward_state() noexcept { body_.keep_forward_state(); }
    void restore_forward_state() noexcept { body_.restore_forward_state(); }
    void use_rank_stream(std::size_t rank) noexcept { body_.use_rank_stream(rank); }

    /// Sizes the work buffers for batches of up to `rows` rows (only ever grows them).
    void reserve(std::size_t rows) {
        body_.reserve(rows);
        detail::ensure_capacity(output_, rows * Width);
        detail::ensure_capacity(body_gradient_, rows * Width);
        if constexpr (computes_input_gradient) detail::ensure_capacity(input_gradient_, rows * Width);
    }
    std::size_t capacity() const noexcept { return output_.size() / Width; }

    // xᵀ (Width, B), row k at in_t + k·ld (ld ≥ B) -> yᵀ = xᵀ + F(x)ᵀ (Width, B) packed.
    // The input must stay alive until backward.
    const T* forward(const T* in_t, std::size_t ld, std::size_t rows) {
        rows_ = rows;
        const T* h = body_.forward(in_t, ld, rows);
        T* y = output_.data();
        for (std::size_t r = 0; r < Width; ++r) {
            const T* __restrict x_row = in_t + r * ld;
            const T* __restrict f_row = h + r * rows;
            T* __restrict y_row = y + r * rows;
            for (std::size_t c = 0; c < rows; ++c) y_row[c] = x_row[c] + f_row[c];
        }
        return y;
    }

    // dyᵀ (Width, B) -> dF through the inner layers (their parameters' grads set) and
    // dxᵀ = dyᵀ + dF/dx (Width, B), or nullptr for the network's first layer. dy is not changed.
    T* backward(T* dy_t) {
        const std::size_t n = Width * rows_;
        // The inner layers overwrite the gradient they are given (dense writes dz over da):
        // they get a copy, and dy itself is the skip path's share.
        std::copy_n(dy_t, n, body_gradient_.data());
        T* dx_body = body_.backward(body_gradient_.data());
        if constexpr (computes_input_gradient) {
            T* dx = input_gradient_.data();
            for (std::size_t i = 0; i < n; ++i) dx[i] = dy_t[i] + dx_body[i];
            return dx;
        } else {
            return nullptr;
        }
    }

    /// The last forward pass's output, feature-major: yᵀ (Width, B).
    auto output() const { return detail::matrix_view(static_cast<const T*>(output_.data()), Width, rows_); }
    std::size_t rows() const noexcept { return rows_; }

    /// Inner layer K, as bound.
    template <std::size_t K>
    auto& layer() noexcept {
        return body_.template layer<K>();
    }
    template <std::size_t K>
    const auto& layer() const noexcept {
        return body_.template layer<K>();
    }

    template <class F>
    void for_each_parameter(F&& f) {
        body_.for_each_parameter(f);
    }
    template <class F>
    void for_each_parameter(F&& f) const {
        body_.for_each_parameter(f);
    }
    /// f(layer, name) for each inner layer, named as PyTorch names an nn.Sequential's modules
    /// inside a module: "body.<k>" (monitor::gradient_health measures each).
    template <class F>
    void for_each_inner_layer(F&& f) {
        body_.for_each_inner_layer("body.", f);
    }
    template <class F>
    void for_each_inner_layer(F&& f) const {
        body_.for_each_inner_layer("body.", f);
    }
    /// The inner layers' parameters named as PyTorch's state_dict names an nn.Sequential's
    /// inside a module: "body.<k>.<name>", k counting every inner layer.
    template <class F>
    void for_each_named_parameter(F&& f) {
        body_.for_each_named_parameter("body.", f);
    }
    template <class F>
    void for_each_named_parameter(F&& f) const {
        body_.for_each_named_parameter("body.", f);
    }

    /// The inner layers' saved state that is not trained (batch_norm's running statistics),
    /// named as the parameters are.
    template <class F>
    void for_each_buffer(F&& f) {
        body_.for_each_buffer("body.", f);
    }
    template <class F>
    void for_each_buffer(F&& f) const {
        body_.for_each_buffer("body.", f);
    }

private:
    body_type body_;
    detail::buffer<T> output_;          // yᵀ (Width, B)
    detail::buffer<T> body_gradient_;   // dyᵀ copied for the inner layers to overwrite
    detail::buffer<T> input_gradient_;  // dxᵀ (Width, B)
    std::size_t rows_ = 0;
};

/// A skip connection around `Layers...` (at least one), as written in a network's type list:
/// `residual<dense<64, relu>, dense<64>>` adds its input to what the two layers compute.
template <class... Layers>
struct residual {
    static_assert(sizeof...(Layers) > 0, "ctnn: residual<...> needs at least one layer inside");
    static_assert(!(detail::recurrent_spec<Layers> || ...),
                  "ctnn: residual<...> holds layers applied to each row (dense, normalisation, dropout, "
                  "residual); a recurrent layer inside it is not supported");
    static constexpr bool preserves_width = true;

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_residual_widths<residual, Index, InputShape.size(),
                                                         detail::layer_widths<InputShape.size(), Layers...>().back()>());
        using type = residual_layer<T, InputShape.size(), diagnostics::computes_input_gradient(Index), Layers...>;
    };
};

}  // namespace ctnn
