// global_avg_pool: each channel's mean over the whole image, C features per sample: PyTorch's
// nn.AdaptiveAvgPool2d(1) followed by nn.Flatten(), so dense layers can follow it directly.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/pooling_buffers.hpp"
#include "ctnn/layers/window.hpp"

namespace ctnn {

/// The layer as it lives inside a network: no parameters.
template <class T, shape In, bool InputGradient>
class global_avg_pool_layer : public detail::pooling_buffers<T, In.size(), In.channels, InputGradient> {
    using base = detail::pooling_buffers<T, In.size(), In.channels, InputGradient>;
    using base::columns_, base::input_gradient_, base::output_;

public:
    using base::computes_input_gradient, base::input_width, base::output_width;
    static constexpr std::string_view kind = "global_avg_pool";
    static constexpr std::size_t pixels = In.height * In.width;

    // xᵀ (C·H·W, B), row k at in_t + k·ld -> yᵀ (C, B) packed: the mean of each channel's H·W rows.
    const T* forward(const T* in_t, std::size_t ld, std::size_t columns) {
        columns_ = columns;
        const std::size_t B = columns;
        for (std::size_t c = 0; c < In.channels; ++c) {
            T* __restrict out = output_.data() + c * B;
            std::fill_n(out, B, T(0));
            for (std::size_t p = 0; p < pixels; ++p) {
                const T* __restrict in = in_t + (c * pixels + p) * ld;
                for (std::size_t b = 0; b < B; ++b) out[b] += in[b];
            }
            for (std::size_t b = 0; b < B; ++b) out[b] /= T(pixels);
        }
        return output_.data();
    }

    // dyᵀ (C, B) -> dxᵀ (C·H·W, B): dy / (H·W) at every pixel of the channel.
    T* backward(T* dy_t) {
        if constexpr (computes_input_gradient) {
            const std::size_t B = columns_;
            for (std::size_t c = 0; c < In.channels; ++c)
                for (std::size_t p = 0; p < pixels; ++p) {
                    T* __restrict dx = input_gradient_.data() + (c * pixels + p) * B;
                    const T* __restrict dy = dy_t + c * B;
                    for (std::size_t b = 0; b < B; ++b) dx[b] = dy[b] / T(pixels);
                }
            return input_gradient_.data();
        } else {
            return nullptr;
        }
    }
};

/// Global average pooling as written in a network's type list: an image (C, H, W) becomes C
/// features, one mean per channel.
struct global_avg_pool {
    static constexpr shape output_shape(shape in) noexcept {
        return in.is_image() ? features_shape(in.channels) : in;
    }

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert(diagnostics::check_window_input<global_avg_pool, Index, InputShape, window_geometry{}>());
        using type = global_avg_pool_layer<T, InputShape.is_image() ? InputShape : image_shape(1, 1, 1),
                                           diagnostics::computes_input_gradient(Index)>;
    };
};

}  // namespace ctnn
