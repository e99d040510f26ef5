// kernel<KH, KW>, stride<SH, SW>, padding<PH, PW>, dilation<DH, DW>: the geometry of a window
// that slides over an image (conv2d, max_pool2d, avg_pool2d), written as types in the layer's
// list of options, in any order; window_geometry, the same as values; and the helpers that sort
// a layer's options into a geometry, an activation and an init policy.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "ctnn/concepts/initializer.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/pooling_buffers.hpp"

namespace ctnn {

namespace detail {
struct kernel_setting {};
struct stride_setting {};
struct padding_setting {};
struct dilation_setting {};

/// A height and a width that say one thing (Setting) about a window.
template <class Setting, std::size_t Height, std::size_t Width>
struct window_setting_of {
    using setting = Setting;
    static constexpr std::size_t height = Height, width = Width;
};
}  // namespace detail

/// The window's height and width in pixels (`kernel<3>` is 3×3).
template <std::size_t KH, std::size_t KW = KH>
struct kernel : detail::window_setting_of<detail::kernel_setting, KH, KW> {};
/// How far the window moves between outputs (default: 1 for conv2d, the kernel for a pool).
template <std::size_t SH, std::size_t SW = SH>
struct stride : detail::window_setting_of<detail::stride_setting, SH, SW> {};
/// Zeros added on each side (a max pool's padding is never the maximum, as in PyTorch).
template <std::size_t PH, std::size_t PW = PH>
struct padding : detail::window_setting_of<detail::padding_setting, PH, PW> {};
/// The spacing of the kernel's taps (PyTorch's dilation; 1: adjacent pixels).
template <std::size_t DH, std::size_t DW = DH>
struct dilation : detail::window_setting_of<detail::dilation_setting, DH, DW> {};

/// A window's whole geometry, as values (a structural type: layers take it as a template
/// argument). The output of an H×W input has out_height(H) × out_width(W) positions, PyTorch's
/// floor((H + 2P − D·(K − 1) − 1) / S) + 1.
struct window_geometry {
    std::size_t kernel_height = 1, kernel_width = 1;
    std::size_t stride_height = 1, stride_width = 1;
    std::size_t padding_height = 0, padding_width = 0;
    std::size_t dilation_height = 1, dilation_width = 1;

    /// The rows and columns one window spans in the padded input.
    constexpr std::size_t span_height() const noexcept { return dilation_height * (kernel_height - 1) + 1; }
    constexpr std::size_t span_width() const noexcept { return dilation_width * (kernel_width - 1) + 1; }
    /// Whether kernel, stride and dilation are all at least 1 (0 is refused at compile time).
    constexpr bool nonzero() const noexcept {
        return kernel_height > 0 && kernel_width > 0 && stride_height > 0 && stride_width > 0 && dilation_height > 0
               && dilation_width > 0;
    }
    /// Whether the window fits inside the padded input at least once.
    constexpr bool fits(std::size_t height, std::size_t width) const noexcept {
        return height + 2 * padding_height >= span_height() && width + 2 * padding_width >= span_width();
    }
    constexpr std::size_t out_height(std::size_t height) const noexcept {
        return (height + 2 * padding_height - span_height()) / stride_height + 1;
    }
    constexpr std::size_t out_width(std::size_t width) const noexcept {
        return (width + 2 * padding_width - span_width()) / stride_width + 1;
    }
    /// Whether every window holds a pixel of a height × width input (one it fits): with dilation
    /// all of a window's taps can fall in the padding, where a max pool has no value to take.
    constexpr bool every_window_reads_input(std::size_t height, std::size_t width) const noexcept {
        const auto along = [](std::size_t size, std::size_t outputs, std::size_t stride, std::size_t padding,
                              std::size_t kernel, std::size_t dilation) {
            for (std::size_t i = 0; i < outputs; ++i) {
                bool reads = false;
                for (std::size_t k = 0; k < kernel && !reads; ++k) {
                    const std::size_t row = i * stride + k * dilation;  // in the padded input
                    reads = row >= padding && row < padding + size;
                }
                if (!reads) return false;
            }
            return true;
        };
        return along(height, out_height(height), stride_height, padding_height, kernel_height, dilation_height)
               && along(width, out_width(width), stride_width, padding_width, kernel_width, dilation_width);
    }
    /// Whether no two windows share a pixel (a stride at least the span, as a pool's default).
    constexpr bool disjoint() const noexcept { return stride_height >= span_height() && stride_width >= span_width(); }
    /// Whether the windows meet every pixel of a height × width input exactly once (contiguous
    /// windows side by side, no padding, nothing left over at the edges).
    constexpr bool tiles(std::size_t height, std::size_t width) const noexcept {
        return padding_height == 0 && padding_width == 0 && dilation_height == 1 && dilation_width == 1
               && stride_height == kernel_height && stride_width == kernel_width
               && out_height(height) * kernel_height == height && out_width(width) * kernel_width == width;
    }
    friend constexpr bool operator==(const window_geometry&, const window_geometry&) = default;
};

namespace detail {
template <class O>
concept window_setting = requires { typename O::setting; };

template <class O, class Setting>
constexpr bool is_setting() {
    if constexpr (window_setting<O>)
        return std::is_same_v<typename O::setting, Setting>;
    else
        return false;
}

/// How many of Options are the setting `Setting`.
template <class Setting, class... Options>
inline constexpr std::size_t count_setting = (std::size_t(is_setting<Options, Setting>()) + ... + 0);

/// Whether O is one of the settings Settings (stride_setting, ...).
template <class O, class... Settings>
constexpr bool is_one_of_settings() {
    return (is_setting<O, Settings>() || ...);
}

/// A windowed layer's other options: an init policy (a type with weight/bias member
/// functions), and the rest read as an activation (its own checks then say what it lacks).
template <class O>
inline constexpr bool is_init_option = !window_setting<O> && initializer_has_weight<O>;
template <class O>
inline constexpr bool is_activation_option = !window_setting<O> && !initializer_has_weight<O>;
template <class O>
struct activation_option : std::bool_constant<is_activation_option<O>> {};
template <class O>
struct init_option : std::bool_constant<is_init_option<O>> {};

/// The first of Options for which Is<O>::value holds, else Default.
template <template <class> class Is, class Default, class... Options>
struct first_option {
    using type = Default;
};
template <template <class> class Is, class Default, class First, class... Rest>
struct first_option<Is, Default, First, Rest...> {
    using type = std::conditional_t<Is<First>::value, First, typename first_option<Is, Default, Rest...>::type>;
};
/// first_option's predicate for one setting: `setting_is<stride_setting>::of`.
template <class Setting>
struct setting_is {
    template <class O>
    struct of : std::bool_constant<is_setting<O, Setting>()> {};
};

/// How many of Options are of O's kind (the same setting as O, an activation, an init policy):
/// more than one is a layer given two of a kind.
template <class O, class... Options>
constexpr std::size_t options_of_kind() {
    if constexpr (window_setting<O>)
        return count_setting<typename O::setting, Options...>;
    else if constexpr (is_init_option<O>)
        return (std::size_t(is_init_option<Options>) + ... + 0);
    else
        return (std::size_t(is_activation_option<Options>) + ... + 0);
}

/// The geometry given by a kernel and the settings among Options; the stride defaults to
/// DefaultStride (1 for a convolution, the kernel for a pool, as in PyTorch).
template <class Kernel, class DefaultStride, class... Options>
constexpr window_geometry geometry_of() {
    using S = typename first_option<setting_is<stride_setting>::template of, DefaultStride, Options...>::type;
    using P = typename first_option<setting_is<padding_setting>::template of, padding<0>, Options...>::type;
    using D = typename first_option<setting_is<dilation_setting>::template of, dilation<1>, Options...>::type;
    return {Kernel::height, Kernel::width, S::height, S::width, P::height, P::width, D::height, D::width};
}

/// Whether a window of `g` can slide over `in`: an image, at least as large as the window, with
/// non-zero kernel, stride and dilation (diagnostics::check_window_input says which is not). A
/// layer's bind falls back to a 1×1 image when it cannot, so that the check's message stays the
/// only one.
constexpr bool window_fits(shape in, const window_geometry& g) noexcept {
    return in.is_image() && g.nonzero() && g.fits(in.height, in.width);
}

/// The image a window of `g` makes of `in`, with `channels` channels (a shape it cannot slide
/// over passes through unchanged: the layer's bind reports it).
constexpr shape windowed_shape(shape in, const window_geometry& g, std::size_t channels) noexcept {
    if (!window_fits(in, g)) return in;
    return image_shape(channels, g.out_height(in.height), g.out_width(in.width));
}
/// What a pool over windows keeps: pooling_buffers sized by its input and output shapes, and its
/// geometry with the output's height and width.
template <class T, shape In, window_geometry G, bool InputGradient>
class window_pooling_buffers
    : public pooling_buffers<T, In.size(), In.channels * G.out_height(In.height) * G.out_width(In.width),
                             InputGradient> {
public:
    static constexpr window_geometry geometry = G;
    static constexpr std::size_t out_height = G.out_height(In.height), out_width = G.out_width(In.width);

protected:
    // dxᵀ for a batch of `columns`, to be written by a backward pass: zeroed unless the windows
    // tile the image, where that pass writes every pixel itself.
    T* input_gradient_to_write(std::size_t columns) {
        T* dx = this->input_gradient_.data();
        if constexpr (!G.tiles(In.height, In.width)) std::fill_n(dx, In.size() * columns, T(0));
        return dx;
    }
};

}  // namespace detail

}  // namespace ctnn
