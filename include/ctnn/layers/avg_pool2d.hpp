// avg_pool2d<kernel<KH, KW>, Options...>: the mean of each window, channel by channel, PyTorch's
// nn.AvgPool2d (ceil_mode off, count_include_pad on: padding counts as zeros in the mean).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/image_patches.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/layers/window.hpp"

namespace ctnn {

/// The layer as it lives inside a network: no parameters.
template <class T, shape In, window_geometry G, bool InputGradient>
class avg_pool2d_layer : public detail::window_pooling_buffers<T, In, G, InputGradient> {
    using base = detail::window_pooling_buffers<T, In, G, InputGradient>;
    using base::columns_, base::output_;

public:
    using base::computes_input_gradient, base::input_width, base::output_width, base::geometry, base::out_height,
        base::out_width;
    static constexpr std::string_view kind = "avg_pool2d";

    // xᵀ (C·H·W, B), row k at in_t + k·ld -> yᵀ (C·OH·OW, B) packed: each window's sum over the
    // pixels inside the image (padding adds nothing) / (KH·KW).
    const T* forward(const T* in_t, std::size_t ld, std::size_t columns) {
        columns_ = columns;
        const std::size_t B = columns;
        detail::for_each_window_pixel<In, G>([&](std::size_t o, std::size_t pixel, bool first) {
            T* __restrict out = output_.data() + o * B;
            const T* __restrict in = in_t + pixel * ld;
            if (first)
                std::copy_n(in, B, out);
            else
                for (std::size_t b = 0; b < B; ++b) out[b] += in[b];
        });
        T* out = output_.data();
        for (std::size_t i = 0; i < output_width * B; ++i) out[i] /= window_size;
        return output_.data();
    }

    // dyᵀ (C·OH·OW, B) -> dxᵀ (C·H·W, B): each output's gradient / (KH·KW) added to every pixel
    // of its window (written once where windows share no pixel, as in max_pool2d).
    T* backward(T* dy_t) {
        if constexpr (computes_input_gradient) {
            const std::size_t B = columns_;
            T* dx = base::input_gradient_to_write(B);
            detail::for_each_window_pixel<In, G>([&](std::size_t o, std::size_t pixel, bool) {
                const T* __restrict dy = dy_t + o * B;
                T* __restrict d = dx + pixel * B;
                if constexpr (geometry.disjoint())
                    for (std::size_t b = 0; b < B; ++b) d[b] = dy[b] / window_size;
                else
                    for (std::size_t b = 0; b < B; ++b) d[b] += dy[b] / window_size;
            });
            return dx;
        } else {
            return nullptr;
        }
    }

private:
    static constexpr T window_size = T(G.kernel_height * G.kernel_width);
};

/// Average pooling over windows of `Kernel` (kernel<KH, KW>), as written in a network's type
/// list. Options, in any order: stride<SH, SW> (default: the kernel, as in PyTorch),
/// padding<PH, PW> (at most half the kernel; zeros that count in the mean).
template <class Kernel, class... Options>
struct avg_pool2d {
    static constexpr window_geometry geometry =
        detail::geometry_of<Kernel, stride<Kernel::height, Kernel::width>, Options...>();
    static constexpr shape output_shape(shape in) noexcept { return detail::windowed_shape(in, geometry, in.channels); }

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert((diagnostics::check_layer_option<
                           avg_pool2d, Index, Options,
                           detail::is_one_of_settings<Options, detail::stride_setting, detail::padding_setting>(),
                           detail::options_of_kind<Options, Options...>()>()
                       && ...));
        static_assert(diagnostics::check_window_input<avg_pool2d, Index, InputShape, geometry>());
        static_assert(diagnostics::check_pool_padding<avg_pool2d, Index, geometry>());
        static constexpr bool valid = detail::window_fits(InputShape, geometry);
        using type = avg_pool2d_layer<T, valid ? InputShape : image_shape(1, 1, 1), valid ? geometry : window_geometry{},
                                      diagnostics::computes_input_gradient(Index)>;
    };
};

}  // namespace ctnn
