// The three matrix products of a dense layer, on contiguous row-major storage.
//
// Widths are template arguments, so for small layers the compiler unrolls fixed-trip loops
// (a BLAS call costs ~0.5-0.9 µs of overhead, more than a 10→5 layer's whole arithmetic); past
// `blas_threshold` multiply-adds the work goes to BLAS gemm, which wins from there on.
#pragma once

#include <algorithm>
#include <cstddef>

#include <complex>  // cxxblas uses std::complex without including it

#include <xtensor-blas/xblas_config.hpp>
#include <xflens/cxxblas/cxxblas.cxx>

namespace ctnn::detail {

/// Multiply-adds per product above which BLAS is used (measured on AVX2: loops win below).
inline constexpr std::size_t blas_threshold = 16384;

template <std::size_t In, std::size_t Out>
constexpr bool use_blas(std::size_t rows) {
    return rows * In * Out >= blas_threshold;
}

template <class T>
void gemm_row_major(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                    T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta,
                    T* c, std::size_t ldc) {
    using index = int;
    cxxblas::gemm<index>(cxxblas::RowMajor, trans_a ? cxxblas::Trans : cxxblas::NoTrans,
                         trans_b ? cxxblas::Trans : cxxblas::NoTrans, index(m), index(n),
                         index(k), alpha, a, index(lda), b, index(ldb), beta, c, index(ldc));
}

// x (B, In), W (Out, In), b (Out) -> z = x·Wᵀ + b (B, Out)
template <std::size_t In, std::size_t Out, class T>
void affine_forward(const T* __restrict x, const T* __restrict w, const T* __restrict b,
                    T* __restrict z, std::size_t rows) {
    if (use_blas<In, Out>(rows)) {
        for (std::size_t i = 0; i < rows; ++i) std::copy(b, b + Out, z + i * Out);
        gemm_row_major(false, true, rows, Out, In, T(1), x, In, w, In, T(1), z, Out);
        return;
    }
    for (std::size_t i = 0; i < rows; ++i) {
        const T* xi = x + i * In;
        for (std::size_t o = 0; o < Out; ++o) {
            const T* wo = w + o * In;
            T sum = b[o];
            for (std::size_t k = 0; k < In; ++k) sum += xi[k] * wo[k];
            z[i * Out + o] = sum;
        }
    }
}

// dz (B, Out), x (B, In) -> dW = dzᵀ·x (Out, In), db = Σ_rows dz (Out)
template <std::size_t In, std::size_t Out, class T>
void affine_backward_parameters(const T* __restrict dz, const T* __restrict x, T* __restrict dw,
                                T* __restrict db, std::size_t rows) {
    std::fill(db, db + Out, T(0));
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t o = 0; o < Out; ++o) db[o] += dz[i * Out + o];
    if (use_blas<In, Out>(rows)) {
        gemm_row_major(true, false, Out, In, rows, T(1), dz, Out, x, In, T(0), dw, In);
        return;
    }
    std::fill(dw, dw + In * Out, T(0));
    for (std::size_t i = 0; i < rows; ++i) {
        const T* xi = x + i * In;
        for (std::size_t o = 0; o < Out; ++o) {
            const T g = dz[i * Out + o];
            T* dwo = dw + o * In;
            for (std::size_t k = 0; k < In; ++k) dwo[k] += g * xi[k];
        }
    }
}

// dz (B, Out), W (Out, In) -> dx = dz·W (B, In)
template <std::size_t In, std::size_t Out, class T>
void affine_backward_input(const T* __restrict dz, const T* __restrict w, T* __restrict dx,
                           std::size_t rows) {
    if (use_blas<In, Out>(rows)) {
        gemm_row_major(false, false, rows, In, Out, T(1), dz, Out, w, In, T(0), dx, In);
        return;
    }
    for (std::size_t i = 0; i < rows; ++i) {
        T* dxi = dx + i * In;
        std::fill(dxi, dxi + In, T(0));
        for (std::size_t o = 0; o < Out; ++o) {
            const T g = dz[i * Out + o];
            const T* wo = w + o * In;
            for (std::size_t k = 0; k < In; ++k) dxi[k] += g * wo[k];
        }
    }
}

}  // namespace ctnn::detail
