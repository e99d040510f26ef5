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

#include "ctnn/detail/cpu_isa.hpp"
#include "ctnn/detail/gemm.hpp"

namespace ctnn::detail::winograd {

inline constexpr std::size_t positions = 16;  // ξ: a 4×4 tile

// ---- one tile's transform over the batch, per instruction set ----------------------------------
// Every tile element is a row of B values, so each transform is a few additions of rows, SIMD
// over the batch. The arithmetic is written once and compiled per instruction set, chosen at run
// time as ctnn's products are (gemm_isa_in_use: AVX-512 where the CPU has it, whatever the unit's
// flags): a function inherits no target from its caller. Each set does the same additions in the
// same order, so each gives the same bits. The last columns of a batch go through a mask.
#define CTNN_WINOGRAD_DEFINE_TILE_TRANSFORMS(NAME, TARGET)                                                        \
    struct NAME {                                                                                                  \
        template <class Ops, bool Tail>                                                                            \
        TARGET __attribute__((always_inline)) static inline typename Ops::vector load(                             \
            const typename Ops::value_type* p, typename Ops::mask m) {                                             \
            if constexpr (Tail)                                                                                    \
                return Ops::load(p, m);                                                                            \
            else                                                                                                   \
                return Ops::load(p);                                                                               \
        }                                                                                                          \
        template <class Ops, bool Tail>                                                                            \
        TARGET __attribute__((always_inline)) static inline void store(typename Ops::value_type* p,                \
                                                                       typename Ops::vector v, typename Ops::mask m) { \
            if constexpr (Tail)                                                                                    \
                Ops::store(p, v, m);                                                                               \
            else                                                                                                   \
                Ops::store(p, v);                                                                                  \
        }                                                                                                          \
        /* Bᵀ d B of the 4×4 rows d, columns [b, b + lanes), into out + ξ·plane */                                 \
        template <class Ops, bool Tail>                                                                            \
        TARGET __attribute__((always_inline)) static inline void input_columns(                                    \
            const typename Ops::value_type* const (&d)[4][4], typename Ops::value_type* out, std::size_t plane,   \
            std::size_t b, typename Ops::mask m) {                                                                 \
            using V = typename Ops::vector;                                                                        \
            V e[4][4]; /* Bᵀ d: rows d0 − d2, d1 + d2, d2 − d1, d1 − d3 */                                         \
            for (std::size_t j = 0; j < 4; ++j) {                                                                  \
                const V d0 = load<Ops, Tail>(d[0][j] + b, m), d1 = load<Ops, Tail>(d[1][j] + b, m);              \
                const V d2 = load<Ops, Tail>(d[2][j] + b, m), d3 = load<Ops, Tail>(d[3][j] + b, m);              \
                e[0][j] = Ops::sub(d0, d2);                                                                        \
                e[1][j] = Ops::add(d1, d2);                                                                        \
                e[2][j] = Ops::sub(d2, d1);                                                                        \
                e[3][j] = Ops::sub(d1, d3);                                                                        \
            }                                                                                                      \
            for (std::size_t i = 0; i < 4; ++i) { /* (Bᵀ d) B: the same on each row */                             \
                store<Ops, Tail>(out + (4 * i + 0) * plane + b, Ops::sub(e[i][0], e[i][2]), m);                   \
                store<Ops, Tail>(out + (4 * i + 1) * plane + b, Ops::add(e[i][1], e[i][2]), m);                   \
                store<Ops, Tail>(out + (4 * i + 2) * plane + b, Ops::sub(e[i][2], e[i][1]), m);                   \
                store<Ops, Tail>(out + (4 * i + 3) * plane + b, Ops::sub(e[i][1], e[i][3]), m);                   \
            }                                                                                                      \
        }                                                                                                          \
        template <class Ops>                                                                                       \
        TARGET static void input_tile(const typename Ops::value_type* const (&d)[4][4],                            \
                                      typename Ops::value_type* out, std::size_t plane, std::size_t columns) {     \
            std::size_t b = 0;                                                                                     \
            for (; b + Ops::lanes <= columns; b += Ops::lanes)                                                     \
                input_columns<Ops, false>(d, out, plane, b, typename Ops::mask{});                                 \
            if (b < columns) input_columns<Ops, true>(d, out, plane, b, Ops::first(columns - b));                  \
        }                                                                                                          \
        /* Aᵀ M A of the 16 rows in + ξ·plane, columns [b, b + lanes), + shift, into the 2×2 outputs */           \
        template <class Ops, bool Tail>                                                                            \
        TARGET __attribute__((always_inline)) static inline void output_columns(                                   \
            const typename Ops::value_type* in, std::size_t plane, typename Ops::value_type* const (&y)[2][2],      \
            bool second_row, bool second_column, typename Ops::vector shift, std::size_t b,                        \
            typename Ops::mask m) {                                                                                \
            using V = typename Ops::vector;                                                                        \
            V u[2][4]; /* Aᵀ M: rows m0 + m1 + m2, m1 − m2 − m3 */                                                 \
            for (std::size_t j = 0; j < 4; ++j) {                                                                  \
                const V m0 = load<Ops, Tail>(in + (0 + j) * plane + b, m);                                         \
                const V m1 = load<Ops, Tail>(in + (4 + j) * plane + b, m);                                         \
                const V m2 = load<Ops, Tail>(in + (8 + j) * plane + b, m);                                         \
                const V m3 = load<Ops, Tail>(in + (12 + j) * plane + b, m);                                        \
                u[0][j] = Ops::add(Ops::add(m0, m1), m2);                                                          \
                u[1][j] = Ops::sub(Ops::sub(m1, m2), m3);                                                          \
            }                                                                                                      \
            for (std::size_t i = 0; i < 2; ++i) {                                                                  \
                if (i == 1 && !second_row) break;                                                                  \
                store<Ops, Tail>(y[i][0] + b, Ops::add(Ops::add(Ops::add(u[i][0], u[i][1]), u[i][2]), shift), m); \
                if (second_column)                                                                                 \
                    store<Ops, Tail>(y[i][1] + b, Ops::add(Ops::sub(Ops::sub(u[i][1], u[i][2]), u[i][3]), shift), \
                                     m);                                                                           \
            }                                                                                                      \
        }                                                                                                          \
        template <class Ops>                                                                                       \
        TARGET static void output_tile(const typename Ops::value_type* in, std::size_t plane,                      \
                                       typename Ops::value_type* const (&y)[2][2], bool second_row,                \
                                       bool second_column, typename Ops::value_type shift, std::size_t columns) {  \
            const typename Ops::vector add = Ops::broadcast(shift);                                                \
            std::size_t b = 0;                                                                                     \
            for (; b + Ops::lanes <= columns; b += Ops::lanes)                                                     \
                output_columns<Ops, false>(in, plane, y, second_row, second_column, add, b, typename Ops::mask{});  \
            if (b < columns)                                                                                       \
                output_columns<Ops, true>(in, plane, y, second_row, second_column, add, b, Ops::first(columns - b)); \
        }                                                                                                          \
        /* A dY Aᵀ of the 2×2 rows a, columns [b, b + lanes), into out + ξ·plane */                                \
        template <class Ops, bool Tail>                                                                            \
        TARGET __attribute__((always_inline)) static inline void output_gradient_columns(                          \
            const typename Ops::value_type* const (&a)[2][2], typename Ops::value_type* out, std::size_t plane,    \
            std::size_t b, typename Ops::mask m) {                                                                 \
            using V = typename Ops::vector;                                                                        \
            const V a00 = load<Ops, Tail>(a[0][0] + b, m), a01 = load<Ops, Tail>(a[0][1] + b, m);                 \
            const V a10 = load<Ops, Tail>(a[1][0] + b, m), a11 = load<Ops, Tail>(a[1][1] + b, m);                 \
            /* A y: rows y0, y0 + y1, y0 − y1, −y1; then the same on each row's two columns */                      \
            const V q[4][2] = {{a00, a01},                                                                         \
                               {Ops::add(a00, a10), Ops::add(a01, a11)},                                           \
                               {Ops::sub(a00, a10), Ops::sub(a01, a11)},                                           \
                               {Ops::sub(Ops::zero(), a10), Ops::sub(Ops::zero(), a11)}};                          \
            for (std::size_t i = 0; i < 4; ++i) {                                                                  \
                store<Ops, Tail>(out + (4 * i + 0) * plane + b, q[i][0], m);                                       \
                store<Ops, Tail>(out + (4 * i + 1) * plane + b, Ops::add(q[i][0], q[i][1]), m);                   \
                store<Ops, Tail>(out + (4 * i + 2) * plane + b, Ops::sub(q[i][0], q[i][1]), m);                   \
                store<Ops, Tail>(out + (4 * i + 3) * plane + b, Ops::sub(Ops::zero(), q[i][1]), m);               \
            }                                                                                                      \
        }                                                                                                          \
        template <class Ops>                                                                                       \
        TARGET static void output_gradient_tile(const typename Ops::value_type* const (&a)[2][2],                  \
                                                typename Ops::value_type* out, std::size_t plane,                  \
                                                std::size_t columns) {                                             \
            std::size_t b = 0;                                                                                     \
            for (; b + Ops::lanes <= columns; b += Ops::lanes)                                                     \
                output_gradient_columns<Ops, false>(a, out, plane, b, typename Ops::mask{});                       \
            if (b < columns) output_gradient_columns<Ops, true>(a, out, plane, b, Ops::first(columns - b));        \
        }                                                                                                          \
    };

CTNN_WINOGRAD_DEFINE_TILE_TRANSFORMS(portable_tiles, )
#if defined(CTNN_GEMM_X86)
CTNN_WINOGRAD_DEFINE_TILE_TRANSFORMS(avx2_tiles, CTNN_TARGET_AVX2)
CTNN_WINOGRAD_DEFINE_TILE_TRANSFORMS(avx512_tiles, CTNN_TARGET_AVX512)
#endif
#undef CTNN_WINOGRAD_DEFINE_TILE_TRANSFORMS

/// f(tiles, ops) with the tile transforms and vector operations of `isa` (which the CPU must run).
template <class T, class F>
decltype(auto) with_tile_transforms(gemm_isa isa, F&& f) {
#if defined(CTNN_GEMM_X86)
    if (isa == gemm_isa::avx512) return f(avx512_tiles{}, gemm_avx512_ops<T>{});
    if (isa == gemm_isa::avx2) return f(avx2_tiles{}, gemm_avx2_ops<T>{});
#endif
    (void)isa;
    return f(portable_tiles{}, gemm_portable_ops<T>{});
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
constexpr std::size_t run_budget_columns(std::size_t channels) noexcept {
    return std::size_t(512 * 1024) / (positions * channels * sizeof(T));
}
template <class T>
constexpr std::size_t tiles_per_run(std::size_t channels, std::size_t tiles, std::size_t columns) noexcept {
    return std::clamp<std::size_t>(run_budget_columns<T>(channels) / std::max<std::size_t>(columns, 1), 1,
                                   std::max<std::size_t>(tiles, 1));
}
/// The columns a run takes at most for batches of up to `columns`: what its buffers reserve.
template <class T>
constexpr std::size_t run_capacity(std::size_t channels, std::size_t tiles, std::size_t columns) noexcept {
    return std::min(tiles * columns, std::max(run_budget_columns<T>(channels), columns));
}

/// V[ξ][c][t·B + b] = (Bᵀ d B)_ξ of each channel's 4×4 tile d at rows 2·ty − PH, columns
/// 2·tx − PW of x (C·H·W, B), row r at x + r·ld, for the tiles t in [t0, t1); `zeros` holds B
/// zeros (read where d is padding). `v` is where tile t0 goes in an array of `v_tiles` tiles
/// per channel (the whole tiling's, or only the run's).
template <std::size_t C, std::size_t H, std::size_t W, std::size_t PH, std::size_t PW, class T>
void transform_input(const T* x, std::size_t ld, std::size_t columns, const T* zeros, std::size_t t0,
                     std::size_t t1, T* v, std::size_t v_tiles, gemm_isa isa = gemm_isa_in_use()) {
    using tile = tiling<H, W, PH, PW>;
    const std::size_t B = columns, plane = C * v_tiles * B;  // V_ξ's size
    with_tile_transforms<T>(isa, [&]<class Tiles, class Ops>(Tiles, Ops) {
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t t = t0; t < t1; ++t) {
                const std::size_t ty = t / tile::tile_columns, tx = t % tile::tile_columns;
                const T* d[4][4];
                for (std::size_t i = 0; i < 4; ++i)
                    for (std::size_t j = 0; j < 4; ++j) {
                        // row and column in the input; above or left of it they wrap past H or W
                        const std::size_t r = 2 * ty + i - PH, k = 2 * tx + j - PW;
                        d[i][j] = r < H && k < W ? x + ((c * H + r) * W + k) * ld : zeros;
                    }
                Tiles::template input_tile<Ops>(d, v + (c * v_tiles + t - t0) * B, plane, B);
            }
    });
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
                      const T* bias, T* y, gemm_isa isa = gemm_isa_in_use()) {
    constexpr std::size_t tile_columns = (OW + 1) / 2;
    const std::size_t B = columns, plane = O * m_tiles * B;
    with_tile_transforms<T>(isa, [&]<class Tiles, class Ops>(Tiles, Ops) {
        for (std::size_t o = 0; o < O; ++o) {
            const T shift = bias ? bias[o] : T(0);
            for (std::size_t t = t0; t < t1; ++t) {
                const std::size_t oh = 2 * (t / tile_columns), ow = 2 * (t % tile_columns);
                T* const y00 = y + ((o * OH + oh) * OW + ow) * B;
                T* const outputs[2][2] = {{y00, y00 + B}, {y00 + OW * B, y00 + (OW + 1) * B}};
                Tiles::template output_tile<Ops>(m + (o * m_tiles + t - t0) * B, plane, outputs, oh + 1 < OH,
                                                 ow + 1 < OW, shift, B);
            }
        }
    });
}

/// P[ξ][o][t·B + b] = (A dY Aᵀ)_ξ of each 2×2 tile t in [t0, t1) of dy (O·OH·OW, B) packed,
/// zero past the edge (the output gradient's side of the weight gradient): `p` is where tile t0
/// goes in an array of `p_tiles` tiles per channel.
template <std::size_t O, std::size_t OH, std::size_t OW, class T>
void transform_output_gradient(const T* dy, std::size_t columns, const T* zeros, std::size_t t0, std::size_t t1,
                               T* p, std::size_t p_tiles, gemm_isa isa = gemm_isa_in_use()) {
    constexpr std::size_t tile_columns = (OW + 1) / 2;
    const std::size_t B = columns, plane = O * p_tiles * B;
    with_tile_transforms<T>(isa, [&]<class Tiles, class Ops>(Tiles, Ops) {
        for (std::size_t o = 0; o < O; ++o)
            for (std::size_t t = t0; t < t1; ++t) {
                const std::size_t oh = 2 * (t / tile_columns), ow = 2 * (t % tile_columns);
                const T* base = dy + ((o * OH + oh) * OW + ow) * B;
                const T* const rows[2][2] = {{base, ow + 1 < OW ? base + B : zeros},
                                             {oh + 1 < OH ? base + OW * B : zeros,
                                              oh + 1 < OH && ow + 1 < OW ? base + (OW + 1) * B : zeros}};
                Tiles::template output_gradient_tile<Ops>(rows, p + (o * p_tiles + t - t0) * B, plane, B);
            }
    });
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
