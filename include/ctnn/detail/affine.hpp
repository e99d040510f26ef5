// The matrix products of a dense layer. Activations inside a network are stored feature-major,
// (width, B): every product then runs along the batch, which is contiguous, so it vectorises
// for any layer width (even 5 or 1).
//
// Widths are template arguments: below `gemm_threshold` multiply-adds the forward product and
// dx are fixed-trip xsimd loops the compiler unrolls and the weight gradient is dot products
// along the batch (faster than any call for the seed network's 10→5→1); from the threshold on,
// ctnn's gemm does all three (detail/gemm.hpp), or OpenBLAS a large product when the program
// gave BLAS several threads. Sums are formed in a fixed order, so results are reproducible run
// to run.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>
// The C interface directly: xtensor-blas's cxxblas wrapper costs 0.6 s of parsing per translation
// unit (W5) for the one function ctnn calls (threaded products only).
#include <cblas.h>

#include "ctnn/core/blas_core.hpp"
#include "ctnn/core/threads.hpp"
#include "ctnn/detail/gemm.hpp"
#include "ctnn/detail/transpose.hpp"

namespace ctnn::detail {

/// Multiply-adds per product from which gemm is called (below: the unrolled loops here).
inline constexpr std::size_t gemm_threshold = 16384;

/// Weights up to which a layer runs the loops here at every batch and never calls gemm, so that
/// its unit does not compile gemm at all (the seed network's compile time). A product this
/// narrow gains nothing from gemm's packing at any batch (docs/benchmarks.md).
inline constexpr std::size_t loops_only_weights = 128;
template <std::size_t In, std::size_t Out>
inline constexpr bool may_use_gemm = In * Out > loops_only_weights;

template <std::size_t In, std::size_t Out>
constexpr bool use_gemm(std::size_t rows) {
    return may_use_gemm<In, Out> && rows * In * Out >= gemm_threshold;
}

template <class T>
using simd = xsimd::batch<T>;

/// Batch columns per register block of panel_product: four SIMD registers.
template <class T>
inline constexpr std::size_t block_columns = 4 * simd<T>::size;

/// Multiply-adds from which a product may go to OpenBLAS when the program gave BLAS more than one
/// thread (set_blas_threads): OpenBLAS splits a product between threads, ctnn's kernels run on
/// the calling thread. Below it, or on one thread, every product is ctnn's own (detail/gemm.hpp).
inline constexpr std::size_t threaded_product_threshold = 1000000;

/// Whether a product of m·n·k multiply-adds goes to OpenBLAS, with `threads` BLAS threads and
/// OpenBLAS's kernels as wide as ctnn's or not. Narrower ones lose more than a second thread
/// wins (OpenBLAS's AVX2 kernels on two threads against ctnn's AVX-512 on one:
/// docs/benchmarks.md): then ctnn keeps its one thread.
constexpr bool product_goes_to_blas(std::size_t multiply_adds, int threads, bool blas_as_wide) noexcept {
    return threads > 1 && blas_as_wide && multiply_adds >= threaded_product_threshold;
}

/// Whether OpenBLAS's kernels are as wide as ctnn's product kernels in this process (decided once).
inline bool blas_as_wide_as_ctnn() {
    static const bool wide = blas_core_width(blas_core()) >= static_cast<int>(gemm_isa_in_use());
    return wide;
}

template <class T>
void gemm_row_major(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                    T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta,
                    T* c, std::size_t ldc) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "gemm is float or double");
    if (!product_goes_to_blas(m * n * k, blas_threads(), blas_as_wide_as_ctnn())) {
        // a product OpenBLAS would take but for its narrower kernels: the threads go unused
        if (product_goes_to_blas(m * n * k, blas_threads(), true)) [[unlikely]]
            warn_once_if_generic_blas(/*kept=*/true);
        gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    warn_once_if_generic_blas(/*kept=*/false);
    using index = int;  // blasint in OpenBLAS (without INTERFACE64), int in the netlib header
    const auto op_a = trans_a ? CblasTrans : CblasNoTrans;
    const auto op_b = trans_b ? CblasTrans : CblasNoTrans;
    if constexpr (std::is_same_v<T, float>)
        cblas_sgemm(CblasRowMajor, op_a, op_b, index(m), index(n), index(k), alpha, a, index(lda), b,
                    index(ldb), beta, c, index(ldc));
    else
        cblas_dgemm(CblasRowMajor, op_a, op_b, index(m), index(n), index(k), alpha, a, index(lda), b,
                    index(ldb), beta, c, index(ldc));
}

// R rows from m by N vectors from column c of panel_product: R·N accumulators, each load of `in`
// feeds R of them, each broadcast weight N.
template <std::size_t R, std::size_t N, std::size_t K, std::size_t ARow, std::size_t ACol, class T>
void panel_block(const T* __restrict a, const T* __restrict in, std::size_t ld, const T* __restrict init,
                 T* __restrict out, std::size_t cols, std::size_t m, std::size_t c) {
    using V = simd<T>;
    constexpr std::size_t L = V::size;
    V acc[R][N];
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t n = 0; n < N; ++n) acc[r][n] = V(init ? init[m + r] : T(0));
    for (std::size_t k = 0; k < K; ++k) {
        V x[N];
        for (std::size_t n = 0; n < N; ++n) x[n] = V::load_unaligned(in + k * ld + c + n * L);
        for (std::size_t r = 0; r < R; ++r) {
            const V w(a[(m + r) * ARow + k * ACol]);
            for (std::size_t n = 0; n < N; ++n) acc[r][n] = xsimd::fma(w, x[n], acc[r][n]);
        }
    }
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t n = 0; n < N; ++n) acc[r][n].store_unaligned(out + (m + r) * cols + c + n * L);
}

// All rows of panel_product for N vectors from column c: pairs of rows, then a last odd one.
template <std::size_t N, std::size_t M, std::size_t K, std::size_t ARow, std::size_t ACol, class T>
void panel_columns(const T* a, const T* in, std::size_t ld, const T* init, T* out, std::size_t cols, std::size_t c) {
    if constexpr (M >= 2)  // a one-row product instantiates no two-row block
        for (std::size_t m = 0; m + 2 <= M; m += 2) panel_block<2, N, K, ARow, ACol>(a, in, ld, init, out, cols, m, c);
    if constexpr (M % 2 == 1) panel_block<1, N, K, ARow, ACol>(a, in, ld, init, out, cols, M - 1, c);
}

// A (M, K) with strides (ARow, ACol), in (K, B) with leading dimension ld, init (M) or null
// -> out (M, B) packed: out[m][:] = init[m] + Σ_k A[m][k]·in[k][:]
// Register blocks of 2 rows by 4 vectors, then single vectors; a last partial vector is
// recomputed as the full vector ending at the last column (the overlap is written twice with
// the same values), so no column takes a scalar path unless B < one vector.
template <std::size_t M, std::size_t K, std::size_t ARow, std::size_t ACol, class T>
void panel_product(const T* __restrict a, const T* __restrict in, std::size_t ld,
                   const T* __restrict init, T* __restrict out, std::size_t cols) {
    constexpr std::size_t L = simd<T>::size;
    std::size_t c0 = 0;
    for (; c0 + 4 * L <= cols; c0 += 4 * L) panel_columns<4, M, K, ARow, ACol>(a, in, ld, init, out, cols, c0);
    for (; c0 + L <= cols; c0 += L) panel_columns<1, M, K, ARow, ACol>(a, in, ld, init, out, cols, c0);
    if (c0 == cols) return;
    if (cols >= L) {
        panel_columns<1, M, K, ARow, ACol>(a, in, ld, init, out, cols, cols - L);
        return;
    }
    for (; c0 < cols; ++c0) {
        for (std::size_t m = 0; m < M; ++m) {
            T acc = init ? init[m] : T(0);
            for (std::size_t k = 0; k < K; ++k) acc += a[m * ARow + k * ACol] * in[k * ld + c0];
            out[m * cols + c0] = acc;
        }
    }
}

/// Σ_i u[i]·v[i]: SIMD partial sums in four accumulators (one would wait on the FMA latency),
/// then the tail, always in the same order.
template <class T>
T dot(const T* __restrict u, const T* __restrict v, std::size_t n) {
    using V = simd<T>;
    constexpr std::size_t L = V::size;
    V acc[4] = {V(T(0)), V(T(0)), V(T(0)), V(T(0))};
    std::size_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L)
        for (std::size_t u4 = 0; u4 < 4; ++u4)
            acc[u4] = xsimd::fma(V::load_unaligned(u + i + u4 * L), V::load_unaligned(v + i + u4 * L), acc[u4]);
    for (; i + L <= n; i += L) acc[0] = xsimd::fma(V::load_unaligned(u + i), V::load_unaligned(v + i), acc[0]);
    T s = xsimd::hadd((acc[0] + acc[1]) + (acc[2] + acc[3]));
    for (; i < n; ++i) s += u[i] * v[i];
    return s;
}

/// Σ_i u[i]: four SIMD accumulators, then the tail, always in the same order.
template <class T>
T sum(const T* __restrict u, std::size_t n) {
    using V = simd<T>;
    constexpr std::size_t L = V::size;
    V acc[4] = {V(T(0)), V(T(0)), V(T(0)), V(T(0))};
    std::size_t i = 0;
    for (; i + 4 * L <= n; i += 4 * L)
        for (std::size_t k = 0; k < 4; ++k) acc[k] += V::load_unaligned(u + i + k * L);
    for (; i + L <= n; i += L) acc[0] += V::load_unaligned(u + i);
    T s = xsimd::hadd((acc[0] + acc[1]) + (acc[2] + acc[3]));
    for (; i < n; ++i) s += u[i];
    return s;
}

/// x (B, N) row-major -> xᵀ (N, B) packed.
template <std::size_t N, class T>
void transpose_rows(const T* __restrict x, T* __restrict x_t, std::size_t rows) {
    if constexpr (N == 1)
        std::copy_n(x, rows, x_t);
    else
        transpose_matrix(x, rows, N, N, x_t, rows);
}

/// xᵀ (N, B) packed -> x (B, N) row-major.
template <std::size_t N, class T>
void transpose_columns(const T* __restrict x_t, T* __restrict x, std::size_t rows) {
    if constexpr (N == 1)
        std::copy_n(x_t, rows, x);
    else
        transpose_matrix(x_t, N, rows, rows, x, N);
}

// W (Out, In), xᵀ (In, B; ld), b (Out) -> zᵀ = W·xᵀ + b (Out, B)
template <std::size_t In, std::size_t Out, class T>
void affine_forward(const T* w, const T* x_t, std::size_t ld, const T* b, T* z_t, std::size_t rows) {
    if constexpr (may_use_gemm<In, Out>) {
        if (use_gemm<In, Out>(rows)) {
            for (std::size_t o = 0; o < Out; ++o) std::fill_n(z_t + o * rows, rows, b[o]);
            gemm_row_major(false, false, Out, rows, In, T(1), w, In, x_t, ld, T(1), z_t, rows);
            return;
        }
    }
    panel_product<Out, In, In, 1>(w, x_t, ld, b, z_t, rows);
}

/// {0, 1, ..., L−1}: lane numbers, to mask the lanes of a last, overlapping vector.
template <class T>
simd<T> lane_numbers() {
    alignas(64) T lanes[simd<T>::size];
    for (std::size_t j = 0; j < simd<T>::size; ++j) lanes[j] = T(j);
    return simd<T>::load_aligned(lanes);
}

/// The register block of weight_gradient_dots: `rows` rows of dW by `columns` columns, chosen at
/// compile time for (Out, In).
struct dots_block {
    std::size_t rows, columns;
};

/// The block that takes fewest SIMD operations per batch vector over all of dW: each block does
/// R·C multiply-adds and R + C loads a vector (whichever is more bounds it), and blocks at the
/// edges repeat a row or column, so a block that divides (Out, In) wins. R·C accumulators, R
/// loads of dz and one of x must fit in sixteen SIMD registers (AVX2's and SSE's count); among
/// equal counts the one with fewer blocks, which has fewer horizontal sums.
template <std::size_t In, std::size_t Out>
constexpr dots_block choose_dots_block() {
    dots_block best{1, 1};
    std::size_t best_cost = ~std::size_t(0), best_blocks = ~std::size_t(0);
    for (std::size_t r = 1; r <= Out && r <= 8; ++r)
        for (std::size_t c = 1; c <= In && c <= 12; ++c) {
            if (r * c + r + 1 > 16) continue;
            const std::size_t blocks = ((Out + r - 1) / r) * ((In + c - 1) / c);
            const std::size_t cost = blocks * std::max(r * c, r + c);
            if (cost < best_cost || (cost == best_cost && blocks < best_blocks)) {
                best = {r, c};
                best_cost = cost;
                best_blocks = blocks;
            }
        }
    return best;
}

// dzᵀ (Out, B; rows dz_ld apart), xᵀ (In, B; ld) -> dW = dzᵀ·x (Out, In), as dot products along
// the batch.
// Blocks of R rows of dW by C columns (choose_dots_block): their R·C dot products run in R·C SIMD
// accumulators, each load of dz feeding C of them and each load of x R, and are reduced L at a
// time by one haddp, not one horizontal sum each. A block at the last row or column edge repeats
// that row or column and stores only its own. Rows past the last full vector are one more
// vector, the one ending at the last row, with its already counted lanes zeroed. Columns are
// taken 64 at a time so that slice of xᵀ stays in L1 while every row of dW passes over it.
template <std::size_t In, std::size_t Out, class T>
void weight_gradient_dots(const T* __restrict dz_t, std::size_t dz_ld, const T* __restrict x_t, std::size_t ld,
                          T* __restrict dw, std::size_t rows) {
    using V = simd<T>;
    constexpr dots_block block = choose_dots_block<In, Out>();
    constexpr std::size_t L = V::size, R = block.rows, C = block.columns, chunk = 64;
    constexpr std::size_t sums_count = (R * C + L - 1) / L * L;  // whole haddp groups
    const std::size_t vector_end = rows - rows % L;
    const bool masked_tail = rows % L != 0 && rows >= L;
    const auto tail_lanes = lane_numbers<T>() >= V(T(L - rows % L));
    const V zero(T(0));
    for (std::size_t k0 = 0; k0 < In; k0 += chunk) {
        const std::size_t k_end = std::min(In, k0 + chunk);
        for (std::size_t o = 0; o < Out; o += R) {
            const std::size_t height = std::min(R, Out - o);
            const T* d[R];
            for (std::size_t r = 0; r < R; ++r) d[r] = dz_t + (o + std::min(r, height - 1)) * dz_ld;
            for (std::size_t k = k0; k < k_end; k += C) {
                const std::size_t width = std::min(C, k_end - k);
                const T* x[C];
                for (std::size_t j = 0; j < C; ++j) x[j] = x_t + (k + std::min(j, width - 1)) * ld;
                V acc[sums_count];
                for (std::size_t j = 0; j < sums_count; ++j) acc[j] = zero;
                for (std::size_t i = 0; i < vector_end; i += L) {
                    V a[R];
                    for (std::size_t r = 0; r < R; ++r) a[r] = V::load_unaligned(d[r] + i);
                    for (std::size_t j = 0; j < C; ++j) {
                        const V xv = V::load_unaligned(x[j] + i);
                        for (std::size_t r = 0; r < R; ++r) acc[r * C + j] = xsimd::fma(a[r], xv, acc[r * C + j]);
                    }
                }
                if (masked_tail) {
                    const std::size_t i = rows - L;
                    V a[R];
                    for (std::size_t r = 0; r < R; ++r) a[r] = xsimd::select(tail_lanes, V::load_unaligned(d[r] + i), zero);
                    for (std::size_t j = 0; j < C; ++j) {
                        const V xv = xsimd::select(tail_lanes, V::load_unaligned(x[j] + i), zero);
                        for (std::size_t r = 0; r < R; ++r) acc[r * C + j] = xsimd::fma(a[r], xv, acc[r * C + j]);
                    }
                }
                alignas(64) T sums[sums_count];
                for (std::size_t g = 0; g < sums_count; g += L) xsimd::haddp(acc + g).store_aligned(sums + g);
                if (!masked_tail)
                    for (std::size_t i = vector_end; i < rows; ++i)
                        for (std::size_t r = 0; r < R; ++r)
                            for (std::size_t j = 0; j < C; ++j) sums[r * C + j] += d[r][i] * x[j][i];
                for (std::size_t r = 0; r < height; ++r) std::copy_n(sums + r * C, width, dw + (o + r) * In + k);
            }
        }
    }
}

/// Whether dW is formed by weight_gradient_dots rather than gemm: below the gemm threshold, where
/// packing a B panel and calling a kernel cost more than the dot products' reductions (the seed
/// network's 5×10 dW: docs/benchmarks.md).
template <std::size_t In, std::size_t Out>
constexpr bool weight_gradient_by_dots(std::size_t rows) {
    return !use_gemm<In, Out>(rows);
}

// dzᵀ (Out, B; rows dz_ld apart), xᵀ (In, B; ld) -> C ← alpha·dzᵀ·x + beta·C (Out, In), as the
// weight gradient is formed (beta = 0, alpha = 1) or a plain SGD step folded into it (C = W,
// alpha = −lr, beta = 1). dz_ld is B for a layer's own dzᵀ, wider for a recurrent graph's node.
template <std::size_t In, std::size_t Out, class T>
void weight_gradient_product(const T* dz_t, std::size_t dz_ld, const T* x_t, std::size_t ld, T alpha, T beta,
                             T* c, std::size_t rows) {
    gemm_row_major(false, true, Out, In, rows, alpha, dz_t, dz_ld, x_t, ld, beta, c, In);
}

// dzᵀ (Out, B; rows dz_ld apart), xᵀ (In, B; ld) -> dW = dzᵀ·x (Out, In): a layer's (dz_ld = B),
// or a graph's product over every step (its node's rows in the gradient arena).
template <std::size_t In, std::size_t Out, class T>
void affine_weight_gradient(const T* dz_t, std::size_t dz_ld, const T* x_t, std::size_t ld, T* dw, std::size_t rows) {
    if constexpr (may_use_gemm<In, Out>) {
        if (!weight_gradient_by_dots<In, Out>(rows)) {
            weight_gradient_product<In, Out>(dz_t, dz_ld, x_t, ld, T(1), T(0), dw, rows);
            return;
        }
    }
    weight_gradient_dots<In, Out>(dz_t, dz_ld, x_t, ld, dw, rows);
}

// dzᵀ (Out, B) -> db = Σ_batch dzᵀ (Out), and with MaxAbs max |dz| (else 0) from the same pass.
// L rows at a time, each row's vectors summed in its own register and the L row sums reduced
// together by one haddp (a call to sum per row, with its own horizontal sum, was 2% of a deep
// MLP's step at B = 32).
template <bool MaxAbs, std::size_t Out, class T>
T bias_sums(const T* __restrict dz_t, T* __restrict db, std::size_t rows) {
    using V = simd<T>;
    constexpr std::size_t L = V::size;
    V largest(T(0));
    std::size_t o = 0;
    if (rows % L == 0) {
        for (; o + L <= Out; o += L) {
            V acc[L];
            for (std::size_t r = 0; r < L; ++r) {
                const T* row = dz_t + (o + r) * rows;
                V a(T(0)), row_largest(T(0));  // the row's own maximum: one running max over
                for (std::size_t c = 0; c < rows; c += L) {  // every row made each wait on the last
                    const V v = V::load_unaligned(row + c);
                    a += v;
                    if constexpr (MaxAbs) row_largest = xsimd::max(row_largest, xsimd::abs(v));
                }
                acc[r] = a;
                if constexpr (MaxAbs) largest = xsimd::max(largest, row_largest);
            }
            xsimd::haddp(acc).store_unaligned(db + o);
        }
    }
    T result = T(0);
    if constexpr (MaxAbs) {
        alignas(64) T lanes[L];
        largest.store_aligned(lanes);
        result = *std::max_element(lanes, lanes + L);
    }
    for (; o < Out; ++o) {
        const T* row = dz_t + o * rows;
        db[o] = sum(row, rows);
        if constexpr (MaxAbs)
            for (std::size_t c = 0; c < rows; ++c) result = std::max(result, std::abs(row[c]));
    }
    return result;
}

// dzᵀ (Out, B) -> db = Σ_batch dzᵀ (Out)
template <std::size_t Out, class T>
void bias_gradient(const T* dz_t, T* db, std::size_t rows) {
    bias_sums<false, Out>(dz_t, db, rows);
}

// dzᵀ (Out, B) -> db = Σ_batch dzᵀ (Out) as bias_gradient, and returns max |dz| from the same
// pass (the fused SGD step's bound needed a scan of its own, 2.8% of W4's step). A NaN in dz
// may not reach the maximum, but it makes its row's sum NaN: callers check db too.
template <std::size_t Out, class T>
T bias_gradient_and_max_abs(const T* dz_t, T* db, std::size_t rows) {
    return bias_sums<true, Out>(dz_t, db, rows);
}

// dzᵀ (Out, B), xᵀ (In, B; ld) -> dW = dzᵀ·x (Out, In), db = Σ_batch dzᵀ (Out)
template <std::size_t In, std::size_t Out, class T>
void affine_backward_parameters(const T* dz_t, const T* x_t, std::size_t ld, T* dw, T* db, std::size_t rows) {
    bias_gradient<Out>(dz_t, db, rows);
    affine_weight_gradient<In, Out>(dz_t, rows, x_t, ld, dw, rows);
}

// W (Out, In), dzᵀ (Out, B) -> dxᵀ = Wᵀ·dzᵀ (In, B)
template <std::size_t In, std::size_t Out, class T>
void affine_backward_input(const T* w, const T* dz_t, T* dx_t, std::size_t rows) {
    if constexpr (may_use_gemm<In, Out>) {
        if (use_gemm<In, Out>(rows)) {
            gemm_row_major(true, false, In, rows, Out, T(1), w, In, dz_t, rows, T(0), dx_t, rows);
            return;
        }
    }
    panel_product<In, Out, 1, In>(w, dz_t, rows, static_cast<const T*>(nullptr), dx_t, rows);
}

}  // namespace ctnn::detail
