// max_pool2d<kernel<KH, KW>, Options...>: the largest value of each window, channel by channel,
// PyTorch's nn.MaxPool2d (ceil_mode off). Backward sends each output's gradient to the pixel
// that won, the first one in window order on a tie, as PyTorch does; a NaN wins, as in PyTorch.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/image_patches.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/layers/window.hpp"

namespace ctnn {

/// The layer as it lives inside a network: no parameters; it keeps which pixel won each output.
template <class T, shape In, window_geometry G, bool InputGradient>
class max_pool2d_layer : public detail::window_pooling_buffers<T, In, G, InputGradient> {
    using base = detail::window_pooling_buffers<T, In, G, InputGradient>;
    using base::columns_, base::output_;

public:
    using base::computes_input_gradient, base::input_width, base::output_width, base::geometry, base::out_height,
        base::out_width;
    static constexpr std::string_view kind = "max_pool2d";

    void reserve(std::size_t columns) {
        base::reserve(columns);
        if constexpr (computes_input_gradient) detail::ensure_capacity(winner_, output_width * columns);
    }

    // xᵀ (C·H·W, B), row k at in_t + k·ld -> yᵀ (C·OH·OW, B) packed, the max of each window.
    const T* forward(const T* in_t, std::size_t ld, std::size_t columns) {
        columns_ = columns;
        const std::size_t B = columns;
        detail::for_each_window_pixel<In, G>([&](std::size_t o, std::size_t pixel, bool first) {
            T* __restrict out = output_.data() + o * B;
            std::uint32_t* __restrict won = computes_input_gradient ? winner_.data() + o * B : nullptr;
            const T* __restrict in = in_t + pixel * ld;
            const auto row = std::uint32_t(pixel);
            if (first) {
                std::copy_n(in, B, out);
                if constexpr (computes_input_gradient) std::fill_n(won, B, row);
                return;
            }
            for (std::size_t b = 0; b < B; ++b) {
                const T v = in[b];
                const bool takes = v > out[b] || v != v;  // PyTorch: greater, or NaN
                out[b] = takes ? v : out[b];
                if constexpr (computes_input_gradient) won[b] = takes ? row : won[b];
            }
        });
        return output_.data();
    }

    // dyᵀ (C·OH·OW, B) -> dxᵀ (C·H·W, B): each output's gradient added to its winner's.
    // Windows that share no pixel write each of their pixels once (the gradient or 0), with no
    // scatter and, when they cover the image, no zeroing pass before it.
    T* backward(T* dy_t) {
        if constexpr (computes_input_gradient) {
            const std::size_t B = columns_;
            T* dx = base::input_gradient_to_write(B);
            if constexpr (geometry.disjoint()) {
                detail::for_each_window_pixel<In, G>([&](std::size_t o, std::size_t pixel, bool) {
                    const T* __restrict dy = dy_t + o * B;
                    const std::uint32_t* __restrict won = winner_.data() + o * B;
                    T* __restrict d = dx + pixel * B;
                    const auto row = std::uint32_t(pixel);
                    for (std::size_t b = 0; b < B; ++b) d[b] = won[b] == row ? dy[b] : T(0);
                });
            } else {
                for (std::size_t o = 0; o < output_width; ++o) {
                    const T* dy = dy_t + o * B;
                    const std::uint32_t* won = winner_.data() + o * B;
                    for (std::size_t b = 0; b < B; ++b) dx[won[b] * B + b] += dy[b];
                }
            }
            return dx;
        } else {
            return nullptr;
        }
    }

private:
    detail::buffer<std::uint32_t> winner_;  // the input row (pixel) that won each output, per column
};

/// Max pooling over windows of `Kernel` (kernel<KH, KW>), as written in a network's type list.
/// Options, in any order: stride<SH, SW> (default: the kernel, as in PyTorch), padding<PH, PW>
/// (at most half the kernel; never the maximum), dilation<DH, DW>.
template <class Kernel, class... Options>
struct max_pool2d {
    static constexpr window_geometry geometry =
        detail::geometry_of<Kernel, stride<Kernel::height, Kernel::width>, Options...>();
    static constexpr shape output_shape(shape in) noexcept { return detail::windowed_shape(in, geometry, in.channels); }

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert((diagnostics::check_layer_option<
                           max_pool2d, Index, Options,
                           detail::is_one_of_settings<Options, detail::stride_setting, detail::padding_setting,
                                                      detail::dilation_setting>(),
                           detail::options_of_kind<Options, Options...>()>()
                       && ...));
        static_assert(diagnostics::check_window_input<max_pool2d, Index, InputShape, geometry>());
        static_assert(diagnostics::check_pool_padding<max_pool2d, Index, geometry>());
        static_assert(diagnostics::check_pool_windows_read_input<max_pool2d, Index, InputShape, geometry>());
        static constexpr bool valid = detail::window_fits(InputShape, geometry);
        using type = max_pool2d_layer<T, valid ? InputShape : image_shape(1, 1, 1), valid ? geometry : window_geometry{},
                                      diagnostics::computes_input_gradient(Index)>;
    };
};

}  // namespace ctnn
