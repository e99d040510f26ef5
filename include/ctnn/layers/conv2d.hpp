// conv2d<OutChannels, kernel<KH, KW>, Options...>: a 2-D convolution a = act(W ⋆ x + b) over an
// image, PyTorch's nn.Conv2d (zero padding, groups = 1) followed by an activation, with W stored
// (OutChannels, C, KH, KW) as PyTorch does.
//
// Two ways to the same numbers, chosen at compile time from the geometry:
//  - a 3×3 kernel with stride 1 (no dilation) over several channels runs Winograd's
//    F(2×2, 3×3) (detail/winograd.hpp): 16 products of channel matrices, 2.25× fewer
//    multiplications;
//  - any other: one product per batch over the image's patches as rows
//    (detail/image_patches.hpp: each a copy of whole feature-major rows), whose output is
//    already the next layer's layout; backward is its two transposes and the patches added back.
// docs/conv.md has the measurements behind the choice.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "ctnn/activations/identity.hpp"
#include "ctnn/activations/sigmoid.hpp"
#include "ctnn/core/parameter.hpp"
#include "ctnn/core/rng.hpp"
#include "ctnn/core/shape.hpp"
#include "ctnn/detail/activation_stage.hpp"
#include "ctnn/detail/affine.hpp"
#include "ctnn/detail/buffer.hpp"
#include "ctnn/detail/diagnostics.hpp"
#include "ctnn/detail/image_patches.hpp"
#include "ctnn/detail/matrix_view.hpp"
#include "ctnn/detail/score_kind.hpp"
#include "ctnn/detail/weight_bias_parameters.hpp"
#include "ctnn/detail/winograd.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"
#include "ctnn/init/pytorch_default.hpp"
#include "ctnn/layers/window.hpp"

namespace ctnn {

/// The layer as it lives inside a network: its input image, window, activation and init are
/// known, and whether it is the first layer (which computes no dL/dx).
template <class T, shape In, std::size_t OutChannels, window_geometry G, class Activation, class Init,
          bool InputGradient>
class conv2d_layer
    : public detail::weight_and_bias_visits<conv2d_layer<T, In, OutChannels, G, Activation, Init, InputGradient>> {
public:
    using scalar = T;
    using activation_type = Activation;
    using initializer_type = Init;
    static constexpr std::string_view kind = "conv2d";
    static constexpr window_geometry geometry = G;
    static constexpr std::size_t in_channels = In.channels;
    static constexpr std::size_t out_channels = OutChannels;
    static constexpr std::size_t out_height = G.out_height(In.height), out_width = G.out_width(In.width);
    /// Output positions per channel, and the values each one reads: C·KH·KW.
    static constexpr std::size_t positions = out_height * out_width;
    static constexpr std::size_t patch_size = In.channels * G.kernel_height * G.kernel_width;
    static constexpr std::size_t input_width = In.size();
    static constexpr std::size_t output_width = OutChannels * positions;
    static constexpr std::size_t parameter_count = OutChannels * patch_size + OutChannels;
    static constexpr bool computes_input_gradient = InputGradient;
    static constexpr detail::score_kind scores =
        std::is_same_v<Activation, sigmoid> ? detail::score_kind::probabilities : detail::score_kind::logits;
    /// A 1×1 kernel with stride 1 and no padding reads each pixel once, where it is: the patch
    /// matrix is the (packed) input itself, and its gradient is dL/dx.
    static constexpr bool patches_are_input = G.kernel_height == 1 && G.kernel_width == 1 && G.stride_height == 1
                                              && G.stride_width == 1 && G.padding_height == 0 && G.padding_width == 0;
    /// The patch product goes through z (OC, OH·OW·B) a run of this many columns at a time
    /// (a multiple of 64, z's run within 256 KiB where it can be): bias, product and activation
    /// meet each run in cache, where the whole of z went to memory and back once for each.
    static constexpr std::size_t patch_run_columns =
        std::max<std::size_t>(64, std::size_t(256 * 1024) / (OutChannels * sizeof(T)) / 64 * 64);
    /// Winograd F(2×2, 3×3): a 3×3 kernel, stride 1, no dilation, padding at most 2 (the input
    /// gradient pads by 2 − P), and enough input channels for its 16 products to be products
    /// (one channel makes them outer products, slower than the patch product: docs/conv.md).
    static constexpr bool uses_winograd = G.kernel_height == 3 && G.kernel_width == 3 && G.stride_height == 1
                                          && G.stride_width == 1 && G.dilation_height == 1 && G.dilation_width == 1
                                          && G.padding_height <= 2 && G.padding_width <= 2 && In.channels >= 4;

    parameter<T, 4> weight;  // (OutChannels, C, KH, KW)
    parameter<T, 1> bias;    // (OutChannels)
    /// The init policy object; set its fields before `initialize` to configure it.
    Init initializer{};

    conv2d_layer()
        : weight(std::array<std::size_t, 4>{OutChannels, In.channels, G.kernel_height, G.kernel_width}),
          bias(std::array<std::size_t, 1>{OutChannels}) {}

    /// torch.nn.init's fans for a convolution: a unit reads C·KH·KW values, each value feeds
    /// OutChannels·KH·KW units. The policy fills W as the (OutChannels, C·KH·KW) matrix PyTorch
    /// flattens it to (orthogonal init needs a matrix).
    void initialize(rng stream) {
        const init::fans fans{patch_size, OutChannels * G.kernel_height * G.kernel_width};
        auto matrix = tensor<T, 2>::from_shape({OutChannels, patch_size});
        initializer.weight(matrix, fans, stream);
        std::copy(matrix.begin(), matrix.end(), weight.value.begin());
        initializer.bias(bias.value, fans, stream);
    }

    /// Sizes the work buffers for batches of up to `columns` images (only ever grows them).
    void reserve(std::size_t columns) {
        activation_.reserve(columns);
        if constexpr (computes_input_gradient) detail::ensure_capacity(input_gradient_, input_width * columns);
        if constexpr (uses_winograd) {
            constexpr std::size_t xi = detail::winograd::positions;
            if (zeros_.size() < columns) {
                zeros_ = detail::buffer<T>(columns);
                std::fill(zeros_.begin(), zeros_.end(), T(0));
            }
            detail::ensure_capacity(filters_, xi * OutChannels * In.channels);
            detail::ensure_capacity(tiles_, xi * In.channels * forward_tiling::tiles * columns);
            detail::ensure_capacity(products_, xi * OutChannels * run_capacity<forward_tiling>(columns));
            detail::ensure_capacity(weight_products_, xi * OutChannels * In.channels);
            if constexpr (computes_input_gradient) {
                detail::ensure_capacity(turned_filters_, xi * OutChannels * In.channels);
                const std::size_t run = run_capacity<input_gradient_tiling>(columns);
                detail::ensure_capacity(gradient_tiles_, xi * OutChannels * run);
                detail::ensure_capacity(gradient_products_, xi * In.channels * run);
            }
        } else {
            detail::ensure_capacity(patches_, patch_size * positions * columns);
            if constexpr (computes_input_gradient && !patches_are_input)
                detail::ensure_capacity(patch_gradient_, patch_size * positions * columns);
        }
    }

    // xᵀ (C·H·W, B), row k at in_t + k·ld (ld ≥ B) -> aᵀ = act(W ⋆ x + b) (OC·OH·OW, B) packed.
    // The input must stay alive until backward (a 1×1 convolution reads it there).
    const T* forward(const T* in_t, std::size_t ld, std::size_t columns) {
        columns_ = columns;
        dz_t_ = nullptr;
        if constexpr (uses_winograd) {
            winograd_forward(in_t, ld);
            return activation_.activate(columns);
        } else {
            patch_forward(in_t, ld, columns);  // activates as it goes
            return activation_.output(columns).data();
        }
    }

    // daᵀ (OC·OH·OW, B), overwritten with dzᵀ = daᵀ ⊙ act'(z) -> dW (OC, C, KH, KW) and db (OC)
    // into the parameters' grads; returns dxᵀ (C·H·W, B), or nullptr for the first layer.
    T* backward(T* da_t) {
        dz_t_ = da_t;
        if constexpr (uses_winograd) {
            activation_.backpropagate(da_t, columns_);
            const std::size_t n = positions * columns_;
            for (std::size_t o = 0; o < OutChannels; ++o)
                bias.grad(o) = detail::sum(static_cast<const T*>(da_t + o * n), n);
            return winograd_backward(da_t);
        } else {
            return patch_backward(da_t);  // dz, db and dW a run at a time
        }
    }

    /// The last forward pass's output, feature-major: aᵀ (OC·OH·OW, B).
    auto output() const { return activation_.output(columns_); }
    /// The last backward pass's ∂L/∂z, feature-major (OC·OH·OW, B) (monitor::gradient_health's
    /// vanishing measure); empty after a forward pass until the next backward.
    auto preactivation_gradient() const {
        return detail::matrix_view(static_cast<const T*>(dz_t_), output_width, dz_t_ ? columns_ : 0);
    }

private:
    using forward_tiling = detail::winograd::tiling<In.height, In.width, G.padding_height, G.padding_width>;
    // dL/dx is the forward of dz padded by 2 − P (only used when uses_winograd, so P ≤ 2)
    static constexpr std::size_t gradient_padding_height = 2 - std::min<std::size_t>(G.padding_height, 2);
    static constexpr std::size_t gradient_padding_width = 2 - std::min<std::size_t>(G.padding_width, 2);
    using input_gradient_tiling =
        detail::winograd::tiling<out_height, out_width, gradient_padding_height, gradient_padding_width>;

    // z (OC, OH·OW·B) = W · patches + b, into the activation's preactivation, and a = act(z).
    void patch_forward(const T* in_t, std::size_t ld, std::size_t columns) {
        const std::size_t n = positions * columns;
        if (patches_are_input && ld == columns) {
            patches_in_use_ = in_t;
        } else {
            if constexpr (patches_are_input)
                detail::copy_rows(in_t, ld, input_width, columns, patches_.data());
            else
                detail::gather_patches<In, G>(in_t, ld, columns, patches_.data());
            patches_in_use_ = patches_.data();
        }
        T* z = activation_.preactivation();
        for (std::size_t j0 = 0; j0 < n; j0 += patch_run_columns) {
            const std::size_t run = std::min(patch_run_columns, n - j0);
            for (std::size_t o = 0; o < OutChannels; ++o) std::fill_n(z + o * n + j0, run, bias.value(o));
            detail::gemm_row_major(false, false, OutChannels, run, patch_size, T(1), weight.value.data(), patch_size,
                                   patches_in_use_ + j0, n, T(1), z + j0, n);
            activation_.activate_block(columns, j0, n, OutChannels, run);
        }
    }

    // da (OC, OH·OW·B) -> dz = da ⊙ act'(z), db = Σ dz and dW = dz · patchesᵀ, summed a run of
    // columns at a time as forward went (each run of dz read from cache by all three); then
    // dx = Wᵀ·dz added back pixel by pixel.
    T* patch_backward(T* dz) {
        const std::size_t n = positions * columns_;
        for (std::size_t j0 = 0; j0 < n; j0 += patch_run_columns) {
            const std::size_t run = std::min(patch_run_columns, n - j0);
            activation_.backpropagate_block(dz, columns_, j0, n, OutChannels, run);
            for (std::size_t o = 0; o < OutChannels; ++o) {
                const T part = detail::sum(static_cast<const T*>(dz + o * n + j0), run);
                bias.grad(o) = j0 == 0 ? part : bias.grad(o) + part;
            }
            detail::gemm_row_major(false, true, OutChannels, patch_size, run, T(1), static_cast<const T*>(dz + j0), n,
                                   patches_in_use_ + j0, n, j0 == 0 ? T(0) : T(1), weight.grad.data(), patch_size);
        }
        if constexpr (computes_input_gradient) {
            T* d_patches = patches_are_input ? input_gradient_.data() : patch_gradient_.data();
            detail::gemm_row_major(true, false, patch_size, n, OutChannels, T(1), weight.value.data(), patch_size, dz, n,
                                   T(0), d_patches, n);
            if constexpr (!patches_are_input) detail::scatter_patches<In, G>(d_patches, columns_, input_gradient_.data());
            return input_gradient_.data();
        } else {
            return nullptr;
        }
    }

    // Winograd goes through the image a run of tiles at a time (detail::winograd::tiles_per_run):
    // each run's products are transformed while they are still in cache.
    static constexpr std::size_t widest_channels = std::max(In.channels, OutChannels);
    template <class Tiling>
    static constexpr std::size_t tiles_per_run(std::size_t columns) noexcept {
        return detail::winograd::tiles_per_run<T>(widest_channels, Tiling::tiles, columns);
    }
    template <class Tiling>
    static constexpr std::size_t run_capacity(std::size_t columns) noexcept {
        return detail::winograd::run_capacity<T>(widest_channels, Tiling::tiles, columns);
    }

    // y (Out·OH·OW, B) = Aᵀ[U ⊙ (Bᵀ x B)]A (+ bias) of x (Cin·H·W, B; row k at x + k·ld) padded
    // by (PH, PW), U the transformed filters [ξ][Out][Cin], a run of tiles at a time: what forward
    // and dx compute. `tiles` takes V: every tile's, kept (keep_tiles, for dW), or one run's.
    template <std::size_t Cin, std::size_t H, std::size_t W, std::size_t PH, std::size_t PW, std::size_t Out>
    void winograd_convolve(const T* x, std::size_t ld, const T* u, const T* bias_values, bool keep_tiles, T* tiles,
                           T* products, T* y) const {
        using tiling = detail::winograd::tiling<H, W, PH, PW>;
        const std::size_t B = columns_, run = tiles_per_run<tiling>(B);
        for (std::size_t t0 = 0; t0 < tiling::tiles; t0 += run) {
            const std::size_t t1 = std::min(tiling::tiles, t0 + run), n = (t1 - t0) * B;
            const std::size_t v_tiles = keep_tiles ? tiling::tiles : t1 - t0;  // V's row length in tiles
            T* v = keep_tiles ? tiles + t0 * B : tiles;
            detail::winograd::transform_input<Cin, H, W, PH, PW>(x, ld, B, zeros_.data(), t0, t1, v, v_tiles);
            for (std::size_t xi = 0; xi < detail::winograd::positions; ++xi)
                detail::gemm_row_major(false, false, Out, n, Cin, T(1), u + xi * Out * Cin, Cin, v + xi * Cin * v_tiles * B,
                                       v_tiles * B, T(0), products + xi * Out * n, n);
            detail::winograd::transform_output<Out, tiling::out_height, tiling::out_width>(products, t1 - t0, t0, t1, B,
                                                                                       bias_values, y);
        }
    }

    // z (OC·OH·OW, B) = Aᵀ[(G w Gᵀ) ⊙ (Bᵀ x B)]A + b, into the activation's preactivation; the
    // input tiles V kept whole for dW.
    void winograd_forward(const T* in_t, std::size_t ld) {
        detail::winograd::transform_filters(weight.value.data(), OutChannels, In.channels, false, filters_.data());
        winograd_convolve<In.channels, In.height, In.width, G.padding_height, G.padding_width, OutChannels>(
            in_t, ld, filters_.data(), bias.value.data(), true, tiles_.data(), products_.data(),
            activation_.preactivation());
    }

    // dz (OC·OH·OW, B) -> dW = Gᵀ[(A dz Aᵀ) ⊙ (Bᵀ x B)]G, the input tiles kept from forward, summed
    // a run of tiles at a time; dx = the forward of dz padded by 2 − P with the filters turned and
    // transposed.
    T* winograd_backward(const T* dz) {
        constexpr std::size_t xi_count = detail::winograd::positions, tiles = forward_tiling::tiles;
        const std::size_t B = columns_, run = tiles_per_run<forward_tiling>(B);
        T* dz_tiles = products_.data();  // forward's products are spent: their buffer takes A dz Aᵀ
        for (std::size_t t0 = 0; t0 < tiles; t0 += run) {
            const std::size_t t1 = std::min(tiles, t0 + run), n = (t1 - t0) * B;
            detail::winograd::transform_output_gradient<OutChannels, out_height, out_width>(dz, B, zeros_.data(), t0, t1,
                                                                                          dz_tiles, t1 - t0);
            for (std::size_t xi = 0; xi < xi_count; ++xi)
                detail::gemm_row_major(false, true, OutChannels, In.channels, n, T(1), dz_tiles + xi * OutChannels * n,
                                       n, tiles_.data() + xi * In.channels * tiles * B + t0 * B, tiles * B,
                                       t0 == 0 ? T(0) : T(1), weight_products_.data() + xi * OutChannels * In.channels,
                                       In.channels);
        }
        detail::winograd::transform_weight_gradient(weight_products_.data(), OutChannels, In.channels, weight.grad.data());
        if constexpr (computes_input_gradient) {
            detail::winograd::transform_filters(weight.value.data(), OutChannels, In.channels, true, turned_filters_.data());
            winograd_convolve<OutChannels, out_height, out_width, gradient_padding_height, gradient_padding_width,
                              In.channels>(dz, B, turned_filters_.data(), static_cast<const T*>(nullptr), false,
                                           gradient_tiles_.data(), gradient_products_.data(), input_gradient_.data());
            return input_gradient_.data();
        } else {
            return nullptr;
        }
    }

    detail::activation_stage<T, output_width, Activation> activation_;
    detail::buffer<T> patches_;         // (C·KH·KW, OH·OW·B) of the last forward
    detail::buffer<T> patch_gradient_;  // its gradient, before it is added back into dx
    detail::buffer<T> input_gradient_;  // dxᵀ (C·H·W, B)
    // Winograd's: U, V (kept for dW), a run's M (then a run's A dz Aᵀ), dW's M; dx's U, and a
    // run's V and M; B zeros for padding
    detail::buffer<T> filters_, tiles_, products_, weight_products_;
    detail::buffer<T> turned_filters_, gradient_tiles_, gradient_products_;
    detail::buffer<T> zeros_;
    const T* patches_in_use_ = nullptr;  // patches_, or a packed input a 1×1 kernel reads as it is
    const T* dz_t_ = nullptr;            // dzᵀ of the last backward, in the caller's buffer
    std::size_t columns_ = 0;
};

/// A 2-D convolution of `OutChannels` filters of `Kernel` (kernel<KH, KW>) over an image, as
/// written in a network's type list. Options, in any order: an activation (default identity),
/// an init policy (default init::pytorch_default, PyTorch's kaiming_uniform with a = √5),
/// stride<SH, SW> (default 1), padding<PH, PW> (zeros, default 0), dilation<DH, DW> (default
/// 1). E.g. `conv2d<32, kernel<3>, relu, padding<1>>`. The output image is computed at compile
/// time; a window larger than the padded input is a compile error naming the layer and (C, H, W).
template <std::size_t OutChannels, class Kernel, class... Options>
struct conv2d {
    static constexpr window_geometry geometry = detail::geometry_of<Kernel, stride<1>, Options...>();
    using activation = typename detail::first_option<detail::activation_option, identity, Options...>::type;
    using initializer = typename detail::first_option<detail::init_option, init::pytorch_default, Options...>::type;
    static constexpr shape output_shape(shape in) noexcept { return detail::windowed_shape(in, geometry, OutChannels); }

    template <class T, std::size_t Index, shape InputShape>
    struct bind {
        static_assert((diagnostics::check_layer_option<
                           conv2d, Index, Options,
                           !detail::window_setting<Options>
                               || detail::is_one_of_settings<Options, detail::stride_setting, detail::padding_setting,
                                                             detail::dilation_setting>(),
                           detail::options_of_kind<Options, Options...>()>()
                       && ...));
        static_assert(diagnostics::check_layer_width<conv2d, Index, OutChannels>());
        static_assert(diagnostics::check_window_input<conv2d, Index, InputShape, geometry>());
        static_assert(diagnostics::check_activation<activation>());
        static_assert(diagnostics::check_initializer<initializer>());
        static constexpr bool valid = detail::window_fits(InputShape, geometry);
        using type = conv2d_layer<T, valid ? InputShape : image_shape(1, 1, 1), OutChannels,
                                  valid ? geometry : window_geometry{}, activation, initializer,
                                  diagnostics::computes_input_gradient(Index)>;
    };
};

}  // namespace ctnn
