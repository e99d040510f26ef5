// Winograd's F(2×2, 3×3): a 3×3 stride-1 convolution as 16 products of (out, in) channel
// matrices over transformed 4×4 tiles, 2.25× fewer multiplications than the patch product
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). With one
// output tile of 2×2:
//   forward          Y  = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A        d the 4×4 input tile
//   weight gradient  dg = Gᵀ [ (A dY Aᵀ) ⊙ (Bᵀ d B) ] G        the same Bᵀ d B as forward
//   input gradient   the forward of dY padded by 2 − P with each filter turned 180° and
//                    in and out channels swapped.
// Summed over channels, each of the 16 tile positions ξ is one product: M_ξ = U_ξ · V_ξ.
//
// On ctnn's feature-major layout every tile element is a whole row of B values, so each
// transform is a few additions of rows of B: vectorised over the batch, never over a tile.
// Layouts: V (input transform) [ξ][channel][tile·B + b]; U (filter transform) [ξ][out][in];
// M (products) [ξ][out][tile·B + b]. Tiles cover the output 2×2 at a time, row by row; a
// partial last tile reads zeros past the input and writes only the outputs that exist. The
// transforms work on a run of tiles [t0, t1), so a layer can go through the image a run at a
// time and keep each run's V and M in cache instead of writing every tile's to memory first.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "ctnn/detail/affine.hpp"

namespace ctnn::detail::winograd {

inline constexpr std::size_t positions = 16;  // ξ: a 4×4 tile

// A transform's arithmetic is written once for V = a SIMD batch of T (columns b .. b + lanes)
// and for V = T (the last columns). (Not named load/store: for a batch, argument-dependent
// lookup would find xsimd's aligned store.)
template <class V, class T>
V load_at(const T* p) {
    if constexpr (std::is_same_v<V, T>)
        return *p;
    else
        return V::load_unaligned(p);
}
template <class V, class T>
void store_at(T* p, const V& v) {
    if constexpr (std::is_same_v<V, T>)
        *p = v;
    else
        v.store_unaligned(p);
}
/// body.template operator()<V>(b) for every column b of B: SIMD batches, then one at a time.
template <class T, class Body>
void over_columns(std::size_t columns, Body&& body) {
    constexpr std::size_t lanes = simd<T>::size;
    std::size_t b = 0;
    for (; b + lanes <= columns; b += lanes) body.template operator()<simd<T>>(b);
    for (; b < columns; ++b) body.template operator()<T>(b);
}

/// The tiles of an H×W input padded by (PH, PW): the output is (H + 2PH − 2) × (W + 2PW − 2).
template <std::size_t H, std::size_t W, std::size_t PH, std::size_t PW>
struct tiling {
    static constexpr std::size_t out_height = H + 2 * PH - 2, out_width = W + 2 * PW - 2;
    static constexpr std::size_t tile_rows = (out_height + 1) / 2, tile_columns = (out_width + 1) / 2;
    static constexpr std::size_t tiles = tile_rows * tile_columns;
};

/// How many tiles a run takes when a convolution is computed a run of tiles at a time (input
/// transform, the 16 products, output transform, one run after another): as many as keep a
/// run's products (16 × `channels` × its columns) within about 512 KiB, so that the transforms
/// meet them in the core's L2 rather than in memory; at least one.
template <class T>
constexpr std::size_t tiles_per_run(std::size_t channels, std::size_t tiles, std::size_t columns) noexcept {
    const std::size_t budget = std::size_t(512 * 1024) / (positions * channels * sizeof(T));  // in columns
    return std::clamp<std::size_t>(budget / std::max<std::size_t>(columns, 1), 1, std::max<std::size_t>(tiles, 1));
}
/// The columns a run takes at most for batches of up to `columns`: what its buffers reserve.
template <class T>
constexpr std::size_t run_capacity(std::size_t channels, std::size_t tiles, std::size_t columns) noexcept {
    const std::size_t budget = std::size_t(512 * 1024) / (positions * channels * sizeof(T));
    return std::min(tiles * columns, std::max(budget, columns));
}

/// V[ξ][c][t·B + b] = (Bᵀ d B)_ξ of each channel's 4×4 tile d at rows 2·ty − PH, columns
/// 2·tx − PW of x (C·H·W, B), row r at x + r·ld, for the tiles t in [t0, t1); `zeros` holds B
/// zeros (read where d is padding). `v` is where tile t0 goes in an array of `v_tiles` tiles
/// per channel (the whole tiling's, or only the run's).
template <std::size_t C, std::size_t H, std::size_t W, std::size_t PH, std::size_t PW, class T>
void transform_input(const T* x, std::size_t ld, std::size_t columns, const T* zeros, std::size_t t0,
                     std::size_t t1, T* v, std::size_t v_tiles) {
    using tile = tiling<H, W, PH, PW>;
    const std::size_t B = columns, plane = C * v_tiles * B;  // V_ξ's size
    for (std::size_t c = 0; c < C; ++c)
        for (std::size_t t = t0; t < t1; ++t) {
            const std::size_t ty = t / tile::tile_columns, tx = t % tile::tile_columns;
            const T* d[4][4];
            for (std::size_t i = 0; i < 4; ++i)
                for (std::size_t j = 0; j < 4; ++j) {
                    const std::size_t r = 2 * ty + i, k = 2 * tx + j;  // in the padded input
                    const bool inside = r >= PH && r < H + PH && k >= PW && k < W + PW;
                    d[i][j] = inside ? x + ((c * H + r - PH) * W + k - PW) * ld : zeros;
                }
            T* out = v + (c * v_tiles + t - t0) * B;
            over_columns<T>(B, [&]<class V>(std::size_t b) {
                V e[4][4];  // Bᵀ d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3
                for (std::size_t j = 0; j < 4; ++j) {
                    const V d0 = load_at<V>(d[0][j] + b), d1 = load_at<V>(d[1][j] + b);
                    const V d2 = load_at<V>(d[2][j] + b), d3 = load_at<V>(d[3][j] + b);
                    e[0][j] = d0 - d2;
                    e[1][j] = d1 + d2;
                    e[2][j] = d2 - d1;
                    e[3][j] = d1 - d3;
                }
                for (std::size_t i = 0; i < 4; ++i) {  // (Bᵀ d) B: the same on each row
                    store_at(out + (4 * i + 0) * plane + b, V(e[i][0] - e[i][2]));
                    store_at(out + (4 * i + 1) * plane + b, V(e[i][1] + e[i][2]));
                    store_at(out + (4 * i + 2) * plane + b, V(e[i][2] - e[i][1]));
                    store_at(out + (4 * i + 3) * plane + b, V(e[i][1] - e[i][3]));
                }
            });
        }
}

/// U[ξ][o][c] = (G g Gᵀ)_ξ of each 3×3 filter g = w[o][c] of w (O, C, 3, 3); with `turned`,
/// U[ξ][c][o] of g = w[o][c] turned 180° (the input gradient's filters).
template <class T>
void transform_filters(const T* w, std::size_t out_channels, std::size_t in_channels, bool turned, T* u) {
    const std::size_t plane = out_channels * in_channels;
    for (std::size_t o = 0; o < out_channels; ++o)
        for (std::size_t c = 0; c < in_channels; ++c) {
            const T* g0 = w + (o * in_channels + c) * 9;
            T g[3][3];
            for (std::size_t k = 0; k < 3; ++k)
                for (std::size_t l = 0; l < 3; ++l) g[k][l] = turned ? g0[(2 - k) * 3 + (2 - l)] : g0[k * 3 + l];
            T s[4][3];  // G g: rows g0, (g0 + g1 + g2)/2, (g0 − g1 + g2)/2, g2
            for (std::size_t l = 0; l < 3; ++l) {
                s[0][l] = g[0][l];
                s[1][l] = T(0.5) * (g[0][l] + g[1][l] + g[2][l]);
                s[2][l] = T(0.5) * (g[0][l] - g[1][l] + g[2][l]);
                s[3][l] = g[2][l];
            }
            const std::size_t at = turned ? c * out_channels + o : o * in_channels + c;
            for (std::size_t i = 0; i < 4; ++i) {  // (G g) Gᵀ: the same on each row
                u[(4 * i + 0) * plane + at] = s[i][0];
                u[(4 * i + 1) * plane + at] = T(0.5) * (s[i][0] + s[i][1] + s[i][2]);
                u[(4 * i + 2) * plane + at] = T(0.5) * (s[i][0] - s[i][1] + s[i][2]);
                u[(4 * i + 3) * plane + at] = s[i][2];
            }
        }
}

/// y (O·OH·OW, B) packed = Aᵀ M A of each tile t in [t0, t1) (+ bias[o] when `bias` is given),
/// from M[ξ][o][t·B + b]: `m` is where tile t0 is in an array of `m_tiles` tiles per channel.
template <std::size_t O, std::size_t OH, std::size_t OW, class T>
void transform_output(const T* m, std::size_t m_tiles, std::size_t t0, std::size_t t1, std::size_t columns,
                      const T* bias, T* y) {
    constexpr std::size_t tile_columns = (OW + 1) / 2;
    const std::size_t B = columns, plane = O * m_tiles * B;
    for (std::size_t o = 0; o < O; ++o) {
        const T shift = bias ? bias[o] : T(0);
        for (std::size_t t = t0; t < t1; ++t) {
            const std::size_t ty = t / tile_columns, tx = t % tile_columns;
            const T* in = m + (o * m_tiles + t - t0) * B;
            const std::size_t oh = 2 * ty, ow = 2 * tx;
            const bool second_row = oh + 1 < OH, second_column = ow + 1 < OW;
            T* y00 = y + ((o * OH + oh) * OW + ow) * B;
            T* y01 = y00 + B;
            T* y10 = y00 + OW * B;
            T* y11 = y10 + B;
            over_columns<T>(B, [&]<class V>(std::size_t b) {
                V u[2][4];  // Aᵀ M: rows m0 + m1 + m2, m1 − m2 − m3
                for (std::size_t j = 0; j < 4; ++j) {
                    const V m0 = load_at<V>(in + (0 + j) * plane + b), m1 = load_at<V>(in + (4 + j) * plane + b);
                    const V m2 = load_at<V>(in + (8 + j) * plane + b), m3 = load_at<V>(in + (12 + j) * plane + b);
                    u[0][j] = m0 + m1 + m2;
                    u[1][j] = m1 - m2 - m3;
                }
                const V add(shift);
                store_at(y00 + b, V(u[0][0] + u[0][1] + u[0][2] + add));
                if (second_column) store_at(y01 + b, V(u[0][1] - u[0][2] - u[0][3] + add));
                if (second_row) {
                    store_at(y10 + b, V(u[1][0] + u[1][1] + u[1][2] + add));
                    if (second_column) store_at(y11 + b, V(u[1][1] - u[1][2] - u[1][3] + add));
                }
            });
        }
    }
}

/// P[ξ][o][t·B + b] = (A dY Aᵀ)_ξ of each 2×2 tile t in [t0, t1) of dy (O·OH·OW, B) packed,
/// zero past the edge (the output gradient's side of the weight gradient): `p` is where tile t0
/// goes in an array of `p_tiles` tiles per channel.
template <std::size_t O, std::size_t OH, std::size_t OW, class T>
void transform_output_gradient(const T* dy, std::size_t columns, const T* zeros, std::size_t t0, std::size_t t1,
                               T* p, std::size_t p_tiles) {
    constexpr std::size_t tile_columns = (OW + 1) / 2;
    const std::size_t B = columns, plane = O * p_tiles * B;
    for (std::size_t o = 0; o < O; ++o)
        for (std::size_t t = t0; t < t1; ++t) {
            const std::size_t oh = 2 * (t / tile_columns), ow = 2 * (t % tile_columns);
            const T* base = dy + ((o * OH + oh) * OW + ow) * B;
            const T* y00 = base;
            const T* y01 = ow + 1 < OW ? base + B : zeros;
            const T* y10 = oh + 1 < OH ? base + OW * B : zeros;
            const T* y11 = oh + 1 < OH && ow + 1 < OW ? base + (OW + 1) * B : zeros;
            T* out = p + (o * p_tiles + t - t0) * B;
            over_columns<T>(B, [&]<class V>(std::size_t b) {
                // A y: rows y0, y0 + y1, y0 − y1, −y1; then the same on each row's two columns
                const V a00 = load_at<V>(y00 + b), a01 = load_at<V>(y01 + b);
                const V a10 = load_at<V>(y10 + b), a11 = load_at<V>(y11 + b);
                const V q[4][2] = {{a00, a01}, {a00 + a10, a01 + a11}, {a00 - a10, a01 - a11}, {-a10, -a11}};
                for (std::size_t i = 0; i < 4; ++i) {
                    store_at(out + (4 * i + 0) * plane + b, q[i][0]);
                    store_at(out + (4 * i + 1) * plane + b, V(q[i][0] + q[i][1]));
                    store_at(out + (4 * i + 2) * plane + b, V(q[i][0] - q[i][1]));
                    store_at(out + (4 * i + 3) * plane + b, V(-q[i][1]));
                }
            });
        }
}

/// dw[o][c] (3×3) = Gᵀ M G of M[ξ][o][c], for w (O, C, 3, 3).
template <class T>
void transform_weight_gradient(const T* m, std::size_t out_channels, std::size_t in_channels, T* dw) {
    const std::size_t plane = out_channels * in_channels;
    for (std::size_t at = 0; at < plane; ++at) {
        T r[3][4];  // Gᵀ M: rows m0 + (m1 + m2)/2, (m1 − m2)/2, (m1 + m2)/2 + m3
        for (std::size_t j = 0; j < 4; ++j) {
            const T m0 = m[(0 + j) * plane + at], m1 = m[(4 + j) * plane + at];
            const T m2 = m[(8 + j) * plane + at], m3 = m[(12 + j) * plane + at];
            r[0][j] = m0 + T(0.5) * (m1 + m2);
            r[1][j] = T(0.5) * (m1 - m2);
            r[2][j] = T(0.5) * (m1 + m2) + m3;
        }
        T* g = dw + at * 9;
        for (std::size_t i = 0; i < 3; ++i) {  // (Gᵀ M) G: the same on each row
            g[i * 3 + 0] = r[i][0] + T(0.5) * (r[i][1] + r[i][2]);
            g[i * 3 + 1] = T(0.5) * (r[i][1] - r[i][2]);
            g[i * 3 + 2] = T(0.5) * (r[i][1] + r[i][2]) + r[i][3];
        }
    }
}

}  // namespace ctnn::detail::winograd
