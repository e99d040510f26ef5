// An image batch's patches as the rows of one matrix (im2col), their gradients added back into
// the image (col2im), and the walk over each window's pixels, on ctnn's feature-major layout.
//
// An image batch is (C·H·W, B): pixel (c, h, w) of every sample is one row of B values. So each
// patch row (c, kh, kw) of the patch matrix (C·KH·KW, OH·OW·B) is, at output position (oh, ow),
// one whole input row of B values (or zeros where the window reads padding): a copy of B
// contiguous values, never a gather of single pixels. A product W (OC, C·KH·KW) · patches is then
// (OC, OH·OW·B), which is already the next layer's (OC·OH·OW, B) block.
#pragma once

#include <algorithm>
#include <cstddef>

#include "ctnn/core/shape.hpp"
#include "ctnn/layers/window.hpp"

namespace ctnn::detail {

/// The output positions ow in [first, last) whose input column ow·S + k·D − P lies in [0, W).
struct valid_range {
    std::size_t first, last;
};
constexpr valid_range valid_outputs(std::size_t out, std::size_t in, std::size_t stride, std::size_t offset,
                                    std::size_t pad) noexcept {
    // input = o·stride + offset − pad: valid for pad ≤ o·stride + offset < in + pad
    std::size_t first = 0;
    while (first < out && first * stride + offset < pad) ++first;
    std::size_t last = first;
    while (last < out && last * stride + offset < in + pad) ++last;
    return {first, last};
}

/// patches (C·KH·KW, OH·OW·B) packed, from x (C·H·W, B), row r at x + r·ld.
template <shape In, window_geometry G, class T>
void gather_patches(const T* x, std::size_t ld, std::size_t columns, T* patches) {
    constexpr std::size_t H = In.height, W = In.width;
    constexpr std::size_t OH = G.out_height(H), OW = G.out_width(W);
    const std::size_t B = columns, n = OH * OW * B;
    T* row = patches;
    for (std::size_t c = 0; c < In.channels; ++c)
        for (std::size_t kh = 0; kh < G.kernel_height; ++kh)
            for (std::size_t kw = 0; kw < G.kernel_width; ++kw, row += n) {
                const valid_range rows = valid_outputs(OH, H, G.stride_height, kh * G.dilation_height, G.padding_height);
                const valid_range cols = valid_outputs(OW, W, G.stride_width, kw * G.dilation_width, G.padding_width);
                std::fill(row, row + rows.first * OW * B, T(0));
                std::fill(row + rows.last * OW * B, row + n, T(0));
                for (std::size_t oh = rows.first; oh < rows.last; ++oh) {
                    T* out = row + oh * OW * B;
                    const std::size_t ih = oh * G.stride_height + kh * G.dilation_height - G.padding_height;
                    std::fill(out, out + cols.first * B, T(0));
                    std::fill(out + cols.last * B, out + OW * B, T(0));
                    const std::size_t iw = cols.first * G.stride_width + kw * G.dilation_width - G.padding_width;
                    const T* in = x + ((c * H + ih) * W + iw) * ld;
                    if (G.stride_width == 1 && ld == B) {  // the valid outputs read consecutive rows
                        std::copy_n(in, (cols.last - cols.first) * B, out + cols.first * B);
                    } else {
                        for (std::size_t ow = cols.first; ow < cols.last; ++ow, in += G.stride_width * ld)
                            std::copy_n(in, B, out + ow * B);
                    }
                }
            }
}

/// dx (C·H·W, B) packed = the sum, over every patch that read each pixel, of the patch rows'
/// gradients d_patches (C·KH·KW, OH·OW·B): gather_patches' transpose.
template <shape In, window_geometry G, class T>
void scatter_patches(const T* d_patches, std::size_t columns, T* dx) {
    constexpr std::size_t H = In.height, W = In.width;
    constexpr std::size_t OH = G.out_height(H), OW = G.out_width(W);
    const std::size_t B = columns, n = OH * OW * B;
    std::fill(dx, dx + In.size() * B, T(0));
    const T* row = d_patches;
    for (std::size_t c = 0; c < In.channels; ++c)
        for (std::size_t kh = 0; kh < G.kernel_height; ++kh)
            for (std::size_t kw = 0; kw < G.kernel_width; ++kw, row += n) {
                const valid_range rows = valid_outputs(OH, H, G.stride_height, kh * G.dilation_height, G.padding_height);
                const valid_range cols = valid_outputs(OW, W, G.stride_width, kw * G.dilation_width, G.padding_width);
                for (std::size_t oh = rows.first; oh < rows.last; ++oh) {
                    const std::size_t ih = oh * G.stride_height + kh * G.dilation_height - G.padding_height;
                    const std::size_t iw = cols.first * G.stride_width + kw * G.dilation_width - G.padding_width;
                    T* __restrict out = dx + ((c * H + ih) * W + iw) * B;
                    const T* __restrict in = row + (oh * OW + cols.first) * B;
                    if constexpr (G.stride_width == 1) {  // consecutive rows of dx
                        const std::size_t count = (cols.last - cols.first) * B;
                        for (std::size_t i = 0; i < count; ++i) out[i] += in[i];
                    } else {
                        for (std::size_t ow = cols.first; ow < cols.last; ++ow, out += G.stride_width * B, in += B)
                            for (std::size_t b = 0; b < B; ++b) out[b] += in[b];
                    }
                }
            }
}

/// visit(o, row, first) for each output o = (c, oh, ow) of a window of G over In (C channels
/// of H×W, each window within its channel) and each pixel of its window inside the image (not
/// the padding), in window order: `row` is the pixel's input row, `first` says it is the window's
/// first such pixel. What the pools walk.
template <shape In, window_geometry G, class Visit>
void for_each_window_pixel(Visit&& visit) {
    constexpr std::size_t H = In.height, W = In.width, OH = G.out_height(H), OW = G.out_width(W);
    for (std::size_t c = 0; c < In.channels; ++c)
        for (std::size_t oh = 0; oh < OH; ++oh)
            for (std::size_t ow = 0; ow < OW; ++ow) {
                const std::size_t o = (c * OH + oh) * OW + ow;
                bool first = true;
                for (std::size_t kh = 0; kh < G.kernel_height; ++kh) {
                    const std::size_t ih = oh * G.stride_height + kh * G.dilation_height;  // in the padded image
                    if (ih < G.padding_height || ih >= H + G.padding_height) continue;
                    for (std::size_t kw = 0; kw < G.kernel_width; ++kw) {
                        const std::size_t iw = ow * G.stride_width + kw * G.dilation_width;
                        if (iw < G.padding_width || iw >= W + G.padding_width) continue;
                        visit(o, (c * H + ih - G.padding_height) * W + iw - G.padding_width, first);
                        first = false;
                    }
                }
            }
}

}  // namespace ctnn::detail
