// The matrix products of a dense layer. Activations inside a network are stored feature-major,
// (width, B): every product then runs along the batch, which is contiguous, so it vectorises
// for any layer width (even 5 or 1).
//
// Widths are template arguments: small products are fixed-trip xsimd loops the compiler
// unrolls (a BLAS call costs ~0.5-0.9 µs of overhead, more than a 10→5 layer's whole
// arithmetic); from `blas_threshold` multiply-adds on, BLAS gemm does them. Sums are formed
// in a fixed order, so results are reproducible run to run.
#pragma once

#include <algorithm>
#include <complex>  // cxxblas uses std::complex without including it
#include <cstddef>
#include <utility>

#include <xsimd/xsimd.hpp>
#include <xtensor-blas/xblas_config.hpp>
#include <xflens/cxxblas/cxxblas.cxx>

namespace ctnn::detail {

/// Multiply-adds per product from which BLAS is used.
inline constexpr std::size_t blas_threshold = 16384;

template <std::size_t In, std::size_t Out>
constexpr bool use_blas(std::size_t rows) {
    return rows * In * Out >= blas_threshold;
}

template <class T>
using simd = xsimd::batch<T>;

/// Batch columns per register block of panel_product: four SIMD registers.
template <class T>
inline constexpr std::size_t block_columns = 4 * simd<T>::size;

template <class T>
void gemm_row_major(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                    T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta,
                    T* c, std::size_t ldc) {
    using index = int;
    cxxblas::gemm<index>(cxxblas::RowMajor, trans_a ? cxxblas::Trans : cxxblas::NoTrans,
                         trans_b ? cxxblas::Trans : cxxblas::NoTrans, index(m), index(n),
                         index(k), alpha, a, index(lda), b, index(ldb), beta, c, index(ldc));
}

// A (M, K) with strides (ARow, ACol), in (K, B) with leading dimension ld, init (M) or null
// -> out (M, B) packed: out[m][:] = init[m] + Σ_k A[m][k]·in[k][:]
template <std::size_t M, std::size_t K, std::size_t ARow, std::size_t ACol, class T>
void panel_product(const T* __restrict a, const T* __restrict in, std::size_t ld,
                   const T* __restrict init, T* __restrict out, std::size_t cols) {
    using V = simd<T>;
    constexpr std::size_t L = V::size;
    std::size_t c0 = 0;
    for (; c0 + 4 * L <= cols; c0 += 4 * L) {
        for (std::size_t m = 0; m < M; ++m) {
            V acc0(init ? init[m] : T(0)), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (std::size_t k = 0; k < K; ++k) {
                const V w(a[m * ARow + k * ACol]);
                const T* row = in + k * ld + c0;
                acc0 = xsimd::fma(w, V::load_unaligned(row), acc0);
                acc1 = xsimd::fma(w, V::load_unaligned(row + L), acc1);
                acc2 = xsimd::fma(w, V::load_unaligned(row + 2 * L), acc2);
                acc3 = xsimd::fma(w, V::load_unaligned(row + 3 * L), acc3);
            }
            T* dst = out + m * cols + c0;
            acc0.store_unaligned(dst);
            acc1.store_unaligned(dst + L);
            acc2.store_unaligned(dst + 2 * L);
            acc3.store_unaligned(dst + 3 * L);
        }
    }
    for (; c0 + L <= cols; c0 += L) {
        for (std::size_t m = 0; m < M; ++m) {
            V acc(init ? init[m] : T(0));
            for (std::size_t k = 0; k < K; ++k)
                acc = xsimd::fma(V(a[m * ARow + k * ACol]), V::load_unaligned(in + k * ld + c0), acc);
            acc.store_unaligned(out + m * cols + c0);
        }
    }
    for (; c0 < cols; ++c0) {
        for (std::size_t m = 0; m < M; ++m) {
            T acc = init ? init[m] : T(0);
            for (std::size_t k = 0; k < K; ++k) acc += a[m * ARow + k * ACol] * in[k * ld + c0];
            out[m * cols + c0] = acc;
        }
    }
}

/// Σ_i u[i]·v[i]: SIMD partial sums, then the tail, always in the same order.
template <class T>
T dot(const T* __restrict u, const T* __restrict v, std::size_t n) {
    using V = simd<T>;
    constexpr std::size_t L = V::size;
    V acc(T(0));
    std::size_t i = 0;
    for (; i + L <= n; i += L) acc = xsimd::fma(V::load_unaligned(u + i), V::load_unaligned(v + i), acc);
    T s = xsimd::hadd(acc);
    for (; i < n; ++i) s += u[i] * v[i];
    return s;
}

template <class T>
T sum(const T* __restrict u, std::size_t n) {
    using V = simd<T>;
    constexpr std::size_t L = V::size;
    V acc(T(0));
    std::size_t i = 0;
    for (; i + L <= n; i += L) acc += V::load_unaligned(u + i);
    T s = xsimd::hadd(acc);
    for (; i < n; ++i) s += u[i];
    return s;
}

/// x (B, N) row-major -> xᵀ (N, B) packed.
template <std::size_t N, class T>
void transpose_rows(const T* __restrict x, T* __restrict x_t, std::size_t rows) {
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t k = 0; k < N; ++k) x_t[k * rows + i] = x[i * N + k];
}

/// xᵀ (N, B) packed -> x (B, N) row-major.
template <std::size_t N, class T>
void transpose_columns(const T* __restrict x_t, T* __restrict x, std::size_t rows) {
    for (std::size_t k = 0; k < N; ++k)
        for (std::size_t i = 0; i < rows; ++i) x[i * N + k] = x_t[k * rows + i];
}

// W (Out, In), xᵀ (In, B; ld), b (Out) -> zᵀ = W·xᵀ + b (Out, B)
template <std::size_t In, std::size_t Out, class T>
void affine_forward(const T* w, const T* x_t, std::size_t ld, const T* b, T* z_t, std::size_t rows) {
    if (use_blas<In, Out>(rows)) {
        for (std::size_t o = 0; o < Out; ++o) std::fill_n(z_t + o * rows, rows, b[o]);
        gemm_row_major(false, false, Out, rows, In, T(1), w, In, x_t, ld, T(1), z_t, rows);
    } else {
        panel_product<Out, In, In, 1>(w, x_t, ld, b, z_t, rows);
    }
}

// dz (B), xᵀ (In, B; ld) -> dw[k] = Σ_i dz[i]·xᵀ[k][i] for k in [K0, K0 + G): G accumulators
// share each load of dz. G is a template argument so the accumulators stay in registers.
template <std::size_t K0, std::size_t G, class T>
void weight_gradient_group(const T* __restrict dz, const T* __restrict x_t, std::size_t ld,
                           T* __restrict dw, std::size_t rows) {
    using V = simd<T>;
    constexpr std::size_t L = V::size;
    const std::size_t vector_end = rows - rows % L;
    V acc[G];
    for (std::size_t j = 0; j < G; ++j) acc[j] = V(T(0));
    for (std::size_t i = 0; i < vector_end; i += L) {
        const V d = V::load_unaligned(dz + i);
        for (std::size_t j = 0; j < G; ++j)
            acc[j] = xsimd::fma(d, V::load_unaligned(x_t + (K0 + j) * ld + i), acc[j]);
    }
    for (std::size_t j = 0; j < G; ++j) {
        T s = xsimd::hadd(acc[j]);
        for (std::size_t i = vector_end; i < rows; ++i) s += dz[i] * x_t[(K0 + j) * ld + i];
        dw[K0 + j] = s;
    }
}

template <std::size_t In, class T, std::size_t... Group>
void weight_gradient_row(const T* dz, const T* x_t, std::size_t ld, T* dw, std::size_t rows,
                         std::index_sequence<Group...>) {
    (weight_gradient_group<Group * 8, std::min<std::size_t>(8, In - Group * 8)>(dz, x_t, ld, dw, rows), ...);
}

// dzᵀ (Out, B), xᵀ (In, B; ld) -> dW = dzᵀ·x (Out, In), db = Σ_batch dzᵀ (Out)
template <std::size_t In, std::size_t Out, class T>
void affine_backward_parameters(const T* dz_t, const T* x_t, std::size_t ld, T* dw, T* db,
                                std::size_t rows) {
    for (std::size_t o = 0; o < Out; ++o) db[o] = sum(dz_t + o * rows, rows);
    if (use_blas<In, Out>(rows)) {
        gemm_row_major(false, true, Out, In, rows, T(1), dz_t, rows, x_t, ld, T(0), dw, In);
        return;
    }
    for (std::size_t o = 0; o < Out; ++o)
        weight_gradient_row<In>(dz_t + o * rows, x_t, ld, dw + o * In, rows, std::make_index_sequence<(In + 7) / 8>{});
}

// W (Out, In), dzᵀ (Out, B) -> dxᵀ = Wᵀ·dzᵀ (In, B)
template <std::size_t In, std::size_t Out, class T>
void affine_backward_input(const T* w, const T* dz_t, T* dx_t, std::size_t rows) {
    if (use_blas<In, Out>(rows)) {
        gemm_row_major(true, false, In, rows, Out, T(1), w, In, dz_t, rows, T(0), dx_t, rows);
        return;
    }
    panel_product<In, Out, 1, In>(w, dz_t, rows, static_cast<const T*>(nullptr), dx_t, rows);
}

}  // namespace ctnn::detail
