// Matrix transposes in 8×8 tiles: a row-by-row transpose writes with a stride of a whole row per
// element, one cache line each. Used for the data set and a network's input and output
// (feature-major inside), and by gemm to pack a transposed operand.
#pragma once

#include <cstddef>
#include <type_traits>

#include "ctnn/detail/cpu_isa.hpp"

namespace ctnn::detail {

/// Side of the square tiles transpose_matrix works in.
inline constexpr std::size_t transpose_tile = 8;

// src (8, 8; lds) -> dst (8, 8; ldd) = srcᵀ
template <class T>
void transpose_tile_8x8(const T* __restrict src, std::size_t lds, T* __restrict dst, std::size_t ldd) {
    for (std::size_t i = 0; i < 8; ++i)
        for (std::size_t j = 0; j < 8; ++j) dst[j * ldd + i] = src[i * lds + j];
}

/// src (rows, cols; lds) -> dst (cols, rows; ldd) with dst[c][r] = src[r][c], tile by tile;
/// the rows and columns past the last whole tile one element at a time.
template <class T, class Tile>
inline __attribute__((always_inline)) void transpose_in_tiles(const T* __restrict src, std::size_t rows,
                                                              std::size_t cols, std::size_t lds, T* __restrict dst,
                                                              std::size_t ldd, Tile tile_8x8) {
    constexpr std::size_t tile = transpose_tile;
    const std::size_t tiled_rows = rows / tile * tile, tiled_cols = cols / tile * tile;
    for (std::size_t r0 = 0; r0 < tiled_rows; r0 += tile) {
        for (std::size_t c0 = 0; c0 < tiled_cols; c0 += tile) tile_8x8(src + r0 * lds + c0, lds, dst + c0 * ldd + r0, ldd);
        for (std::size_t c = tiled_cols; c < cols; ++c)
            for (std::size_t r = r0; r < r0 + tile; ++r) dst[c * ldd + r] = src[r * lds + c];
    }
    for (std::size_t r = tiled_rows; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c) dst[c * ldd + r] = src[r * lds + c];
}

#if defined(CTNN_GEMM_X86)
// The classic AVX 8×8 float transpose (unpack pairs, shuffle quads, swap 128-bit halves), in a
// function of its own instruction set: chosen at run time, so a program built without -mavx2
// (SSE2) does not transpose one element at a time, as its packing of a transposed operand and
// its data's transposes otherwise would.
CTNN_TARGET_AVX2 __attribute__((always_inline)) inline void transpose_tile_8x8_avx2(const float* __restrict src,
                                                                                   std::size_t lds,
                                                                                   float* __restrict dst,
                                                                                   std::size_t ldd) {
    __m256 r[8], t[8];
    for (std::size_t i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * lds);
    for (std::size_t i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
    }
    for (std::size_t i = 0; i < 8; i += 4) {
        r[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);
        r[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);
        r[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);
        r[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
    }
    for (std::size_t i = 0; i < 4; ++i) {
        _mm256_storeu_ps(dst + i * ldd, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
        _mm256_storeu_ps(dst + (i + 4) * ldd, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
    }
}
CTNN_TARGET_AVX2 inline void transpose_matrix_avx2(const float* __restrict src, std::size_t rows, std::size_t cols,
                                                   std::size_t lds, float* __restrict dst, std::size_t ldd) {
    transpose_in_tiles(src, rows, cols, lds, dst, ldd,
                       [](const float* s, std::size_t ls, float* d, std::size_t ld)
                           CTNN_TARGET_AVX2 { transpose_tile_8x8_avx2(s, ls, d, ld); });
}
#endif

/// src (rows, cols; lds) -> dst (cols, rows; ldd) with dst[c][r] = src[r][c], in 8×8 tiles: a
/// row-by-row transpose writes with a stride of a whole row per element, one cache line each.
/// Float tiles in AVX where the CPU has AVX2 (gemm_isa_in_use), whatever the unit's flags.
template <class T>
void transpose_matrix(const T* __restrict src, std::size_t rows, std::size_t cols, std::size_t lds,
                      T* __restrict dst, std::size_t ldd) {
#if defined(CTNN_GEMM_X86)
    if constexpr (std::is_same_v<T, float>)
        if (gemm_isa_in_use() != gemm_isa::portable) return transpose_matrix_avx2(src, rows, cols, lds, dst, ldd);
#endif
    transpose_in_tiles(src, rows, cols, lds, dst, ldd, [](const T* s, std::size_t ls, T* d, std::size_t ld) {
        transpose_tile_8x8(s, ls, d, ld);
    });
}

}  // namespace ctnn::detail
