// A graph layer's products, out = init + A·in: the one a recurrent step cannot batch over time
// (A·h on a (rows, B) block, init a block of the input projection), and the products of x over
// every step at once. A is W (forward) or Wᵀ (backward), given by strides so neither is ever
// copied transposed. Unrolled loops where gemm would not pay (affine.hpp's use_gemm), else gemm.
#pragma once

#include <algorithm>
#include <cstddef>

#include "ctnn/detail/affine.hpp"

namespace ctnn::detail {

/// Copies a (rows, cols) block between matrices with leading dimensions from_ld and to_ld.
/// Recurrent rows are short (one batch, e.g. 32 floats): an inline SIMD loop, not a memmove
/// call per row (W3 spent 5% of its step in those calls). GCC would turn the loop back into
/// memcpy calls, hence the attribute.
template <class T>
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
void copy_block(const T* __restrict from, std::size_t from_ld, T* __restrict to, std::size_t to_ld,
                std::size_t rows, std::size_t cols) {
    using V = simd<T>;
    constexpr std::size_t L = V::size;
    for (std::size_t r = 0; r < rows; ++r) {
        const T* f = from + r * from_ld;
        T* o = to + r * to_ld;
        std::size_t c = 0;
        for (; c + L <= cols; c += L) V::load_unaligned(f + c).store_unaligned(o + c);
        for (; c < cols; ++c) o[c] = f[c];
    }
}

// A (M, K) with strides (ARow, ACol), in (K, cols; ld), init (M, cols; init_ld) or null
// -> out (M, cols; out_ld): out[m][c] = init[m][c] + Σ_k A[m][k]·in[k][c]. init may be out
// itself (same leading dimension): the product is then added in place, with nothing copied.
template <std::size_t M, std::size_t K, std::size_t ARow, std::size_t ACol, class T>
void step_product(const T* __restrict a, const T* __restrict in, std::size_t ld, const T* init,
                  std::size_t init_ld, T* out, std::size_t cols, std::size_t out_ld) {
    static_assert(ARow == 1 || ACol == 1, "A is a row-major matrix or its transpose");
    if (use_gemm<K, M>(cols)) {
        if (init && init != out) copy_block(init, init_ld, out, out_ld, M, cols);
        constexpr bool transposed = ACol != 1;
        // Without init, beta = 0: C is never read, and needs no zero fill.
        gemm_row_major(transposed, false, M, cols, K, T(1), a, transposed ? ACol : ARow, in, ld,
                       init ? T(1) : T(0), out, out_ld);
        return;
    }
    using V = simd<T>;
    constexpr std::size_t L = V::size;
    auto start = [&](std::size_t m, std::size_t c) { return init ? V::load_unaligned(init + m * init_ld + c) : V(T(0)); };
    std::size_t c0 = 0;
    for (; c0 + 4 * L <= cols; c0 += 4 * L) {
        for (std::size_t m = 0; m < M; ++m) {
            V acc0 = start(m, c0), acc1 = start(m, c0 + L), acc2 = start(m, c0 + 2 * L),
              acc3 = start(m, c0 + 3 * L);
            for (std::size_t k = 0; k < K; ++k) {
                const V w(a[m * ARow + k * ACol]);
                const T* row = in + k * ld + c0;
                acc0 = xsimd::fma(w, V::load_unaligned(row), acc0);
                acc1 = xsimd::fma(w, V::load_unaligned(row + L), acc1);
                acc2 = xsimd::fma(w, V::load_unaligned(row + 2 * L), acc2);
                acc3 = xsimd::fma(w, V::load_unaligned(row + 3 * L), acc3);
            }
            T* dst = out + m * out_ld + c0;
            acc0.store_unaligned(dst);
            acc1.store_unaligned(dst + L);
            acc2.store_unaligned(dst + 2 * L);
            acc3.store_unaligned(dst + 3 * L);
        }
    }
    for (; c0 + L <= cols; c0 += L) {
        for (std::size_t m = 0; m < M; ++m) {
            V acc = start(m, c0);
            for (std::size_t k = 0; k < K; ++k)
                acc = xsimd::fma(V(a[m * ARow + k * ACol]), V::load_unaligned(in + k * ld + c0), acc);
            acc.store_unaligned(out + m * out_ld + c0);
        }
    }
    for (; c0 < cols; ++c0) {
        for (std::size_t m = 0; m < M; ++m) {
            T acc = init ? init[m * init_ld + c0] : T(0);
            for (std::size_t k = 0; k < K; ++k) acc += a[m * ARow + k * ACol] * in[k * ld + c0];
            out[m * out_ld + c0] = acc;
        }
    }
}

// The same with out packed, (M, cols).
template <std::size_t M, std::size_t K, std::size_t ARow, std::size_t ACol, class T>
void step_product(const T* a, const T* in, std::size_t ld, const T* init, std::size_t init_ld, T* out,
                  std::size_t cols) {
    step_product<M, K, ARow, ACol>(a, in, ld, init, init_ld, out, cols, cols);
}

}  // namespace ctnn::detail
