// kernel<KH, KW>, stride<SH, SW>, padding<PH, PW>, dilation<DH, DW>: the geometry of a window
// that slides over an image (conv2d, max_pool2d, avg_pool2d), written as types in the layer's
// list of options, in any order; and window_options, which sorts such a list into a geometry, an
// activation and an init policy.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctnn/concepts/initializer.hpp"
#include "ctnn/core/shape.hpp"

namespace ctnn {

namespace detail {
struct kernel_setting {};
struct stride_setting {};
struct padding_setting {};
struct dilation_setting {};
}  // namespace detail

/// The window's height and width in pixels (`kernel<3>` is 3×3).
template <std::size_t KH, std::size_t KW = KH>
struct kernel {
    using setting = detail::kernel_setting;
    static constexpr std::size_t height = KH, width = KW;
};
/// How far the window moves between outputs (default: 1 for conv2d, the kernel for a pool).
template <std::size_t SH, std::size_t SW = SH>
struct stride {
    using setting = detail::stride_setting;
    static constexpr std::size_t height = SH, width = SW;
};
/// Zeros added on each side (a max pool's padding is never the maximum, as in PyTorch).
template <std::size_t PH, std::size_t PW = PH>
struct padding {
    using setting = detail::padding_setting;
    static constexpr std::size_t height = PH, width = PW;
};
/// The spacing of the kernel's taps (PyTorch's dilation; 1: adjacent pixels).
template <std::size_t DH, std::size_t DW = DH>
struct dilation {
    using setting = detail::dilation_setting;
    static constexpr std::size_t height = DH, width = DW;
};

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

/// The first of Options that is the setting `Setting`, else Default.
template <class Setting, class Default, class... Options>
struct find_setting {
    using type = Default;
};
template <class Setting, class Default, class First, class... Rest>
struct find_setting<Setting, Default, First, Rest...> {
    using type = std::conditional_t<is_setting<First, Setting>(), First,
                                    typename find_setting<Setting, Default, Rest...>::type>;
};

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
    using S = typename find_setting<stride_setting, DefaultStride, Options...>::type;
    using P = typename find_setting<padding_setting, padding<0>, Options...>::type;
    using D = typename find_setting<dilation_setting, dilation<1>, Options...>::type;
    return {Kernel::height, Kernel::width, S::height, S::width, P::height, P::width, D::height, D::width};
}

/// Whether a window of G can slide over In: an image, at least as large as the window, with
/// non-zero kernel, stride and dilation (diagnostics::check_window_input says which is not).
template <shape In, window_geometry G>
constexpr bool window_reads() {
    return In.is_image() && G.kernel_height > 0 && G.kernel_width > 0 && G.stride_height > 0 && G.stride_width > 0
           && G.dilation_height > 0 && G.dilation_width > 0 && G.fits(In.height, In.width);
}

/// The image a window of `g` makes of `in`, with `channels` channels (a shape that is no image,
/// or too small for the window, passes through unchanged: the layer's bind reports it).
constexpr shape windowed_shape(shape in, const window_geometry& g, std::size_t channels) noexcept {
    if (!in.is_image() || !g.fits(in.height, in.width)) return in;
    return image_shape(channels, g.out_height(in.height), g.out_width(in.width));
}
}  // namespace detail

}  // namespace ctnn
