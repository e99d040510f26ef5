// ctnn's own matrix product, C ← alpha·op(A)·op(B) + beta·C on row-major float or double
// matrices, with kernels for AVX-512 and for AVX2 + FMA chosen at run time from the CPU's
// features, and a portable one for any other CPU. One binary uses AVX-512 where the CPU has it
// and runs on a CPU without it; no kernel depends on the flags its translation unit was built
// with (each carries its own target attribute), so units built with different flags agree.
//
// Why not BLAS: OpenBLAS chooses its kernels by recognising the CPU, and Debian 12's 0.3.21 runs
// its generic SSE3 kernels on CPUs it does not know (an Intel Emerald Rapids), several times
// slower than the CPU allows; an OPENBLAS_CORETYPE in the environment overrides its choice, for
// better or worse (docs/benchmarks.md). ctnn's speed should not rest on either.
//
// The structure is BLIS's, less one copy. op(B) is packed in panels of NR columns over KC steps of
// the sum; a micro-kernel keeps an MR × NR block of C in registers over those steps, broadcasting
// MR values of op(A) per step and reading one B panel, which stays in L1 while every row block
// of an MC-row block of A passes over it. A is read in place, by strides, not packed: at the
// shapes networks use its copy cost more than it saved (docs/benchmarks.md). The last rows of C
// take micro-kernels of heights 4, 2 and 1, so no padded row is computed; the last columns are
// stored through a mask. The sum over k runs in a fixed order: results are the same run to run,
// and differ between kernels only in rounding.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "ctnn/detail/cpu_isa.hpp"
#include "ctnn/detail/transpose.hpp"

namespace ctnn::detail {

// ---- vector operations, one set per instruction set and element type --------------------------
// Each is forced inline and carries its instruction set, so a micro-kernel with that target
// compiles them into plain instructions whatever flags its translation unit has.

#define CTNN_GEMM_INLINE __attribute__((always_inline)) static inline

/// The portable kernel's: xsimd's batch for the unit's own flags (SSE2 at least on x86-64). Its
/// type names that instruction set (Arch, xsimd's default for those flags), so units built with
/// different flags instantiate different kernels, not two definitions of one.
template <class T, class Arch = xsimd::default_arch>
struct gemm_portable_ops {
    using value_type = T;
    using vector = xsimd::batch<T, Arch>;
    using mask = std::size_t;  // how many lanes, from the first
    static constexpr std::size_t lanes = vector::size;
    CTNN_GEMM_INLINE vector zero() { return vector(T(0)); }
    CTNN_GEMM_INLINE vector load(const T* p) { return vector::load_unaligned(p); }
    CTNN_GEMM_INLINE vector broadcast(T v) { return vector(v); }
    CTNN_GEMM_INLINE vector fma(vector a, vector b, vector c) { return xsimd::fma(a, b, c); }
    CTNN_GEMM_INLINE vector mul(vector a, vector b) { return a * b; }
    CTNN_GEMM_INLINE vector add(vector a, vector b) { return a + b; }
    CTNN_GEMM_INLINE vector sub(vector a, vector b) { return a - b; }
    CTNN_GEMM_INLINE void store(T* p, vector v) { v.store_unaligned(p); }
    CTNN_GEMM_INLINE mask first(std::size_t n) { return n < lanes ? n : lanes; }
    CTNN_GEMM_INLINE vector load(const T* p, mask m) {
        alignas(64) T lane[lanes] = {};
        std::copy_n(p, m, lane);
        return vector::load_aligned(lane);
    }
    CTNN_GEMM_INLINE void store(T* p, vector v, mask m) {
        alignas(64) T lane[lanes];
        v.store_aligned(lane);
        std::copy_n(lane, m, p);
    }
};

#if defined(CTNN_GEMM_X86)

template <class T>
struct gemm_avx2_ops;

template <>
struct gemm_avx2_ops<float> {
    using value_type = float;
    using vector = __m256;
    using mask = __m256i;
    static constexpr std::size_t lanes = 8;
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector zero() { return _mm256_setzero_ps(); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector load(const float* p) { return _mm256_loadu_ps(p); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector broadcast(float v) { return _mm256_set1_ps(v); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector fma(vector a, vector b, vector c) { return _mm256_fmadd_ps(a, b, c); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector mul(vector a, vector b) { return _mm256_mul_ps(a, b); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector add(vector a, vector b) { return _mm256_add_ps(a, b); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector sub(vector a, vector b) { return _mm256_sub_ps(a, b); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE void store(float* p, vector v) { _mm256_storeu_ps(p, v); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE mask first(std::size_t n) {
        return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector load(const float* p, mask m) { return _mm256_maskload_ps(p, m); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE void store(float* p, vector v, mask m) { _mm256_maskstore_ps(p, m, v); }
};

template <>
struct gemm_avx2_ops<double> {
    using value_type = double;
    using vector = __m256d;
    using mask = __m256i;
    static constexpr std::size_t lanes = 4;
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector zero() { return _mm256_setzero_pd(); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector load(const double* p) { return _mm256_loadu_pd(p); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector broadcast(double v) { return _mm256_set1_pd(v); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector fma(vector a, vector b, vector c) { return _mm256_fmadd_pd(a, b, c); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector mul(vector a, vector b) { return _mm256_mul_pd(a, b); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector add(vector a, vector b) { return _mm256_add_pd(a, b); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector sub(vector a, vector b) { return _mm256_sub_pd(a, b); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE void store(double* p, vector v) { _mm256_storeu_pd(p, v); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE mask first(std::size_t n) {
        return _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(n)), _mm256_setr_epi64x(0, 1, 2, 3));
    }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE vector load(const double* p, mask m) { return _mm256_maskload_pd(p, m); }
    CTNN_TARGET_AVX2 CTNN_GEMM_INLINE void store(double* p, vector v, mask m) { _mm256_maskstore_pd(p, m, v); }
};

template <class T>
struct gemm_avx512_ops;

template <>
struct gemm_avx512_ops<float> {
    using value_type = float;
    using vector = __m512;
    using mask = __mmask16;
    static constexpr std::size_t lanes = 16;
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector zero() { return _mm512_setzero_ps(); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector load(const float* p) { return _mm512_loadu_ps(p); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector broadcast(float v) { return _mm512_set1_ps(v); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector fma(vector a, vector b, vector c) { return _mm512_fmadd_ps(a, b, c); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector mul(vector a, vector b) { return _mm512_mul_ps(a, b); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector add(vector a, vector b) { return _mm512_add_ps(a, b); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector sub(vector a, vector b) { return _mm512_sub_ps(a, b); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE void store(float* p, vector v) { _mm512_storeu_ps(p, v); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE mask first(std::size_t n) {
        return n >= lanes ? mask(0xFFFF) : mask((1u << n) - 1u);
    }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector load(const float* p, mask m) { return _mm512_maskz_loadu_ps(m, p); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE void store(float* p, vector v, mask m) { _mm512_mask_storeu_ps(p, m, v); }
};

template <>
struct gemm_avx512_ops<double> {
    using value_type = double;
    using vector = __m512d;
    using mask = __mmask8;
    static constexpr std::size_t lanes = 8;
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector zero() { return _mm512_setzero_pd(); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector load(const double* p) { return _mm512_loadu_pd(p); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector broadcast(double v) { return _mm512_set1_pd(v); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector fma(vector a, vector b, vector c) { return _mm512_fmadd_pd(a, b, c); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector mul(vector a, vector b) { return _mm512_mul_pd(a, b); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector add(vector a, vector b) { return _mm512_add_pd(a, b); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector sub(vector a, vector b) { return _mm512_sub_pd(a, b); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE void store(double* p, vector v) { _mm512_storeu_pd(p, v); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE mask first(std::size_t n) {
        return n >= lanes ? mask(0xFF) : mask((1u << n) - 1u);
    }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE vector load(const double* p, mask m) { return _mm512_maskz_loadu_pd(m, p); }
    CTNN_TARGET_AVX512 CTNN_GEMM_INLINE void store(double* p, vector v, mask m) { _mm512_mask_storeu_pd(p, m, v); }
};
#endif

// ---- the micro-kernel ---------------------------------------------------------------------------
// a: R rows of op(A), a_rs apart, each step of the sum a_cs further; b: a B panel of NV vectors
// per step, b_rs apart (NV·lanes when packed); c: R rows × `cols` (≤ NV·lanes) columns of C, ldc apart
// -> C ← alpha·(a·b) + beta·C, C never read when beta = 0 (BLAS's rule: C may hold NaN then).
// The body is written once and compiled per instruction set: a kernel inherits no target from
// the function that calls it, so each set needs its own function with its own attribute.
#define CTNN_GEMM_DEFINE_MICRO_KERNEL(NAME, TARGET)                                                            \
    struct NAME {                                                                                              \
        template <class Ops, std::size_t NV, std::size_t R>                                                     \
        TARGET static void run(std::size_t kc, const typename Ops::value_type* __restrict a,                  \
                               std::size_t a_rs, std::size_t a_cs,                                            \
                               const typename Ops::value_type* __restrict b, std::size_t b_rs,                \
                               typename Ops::value_type* __restrict c, std::size_t ldc,                       \
                               typename Ops::value_type alpha, typename Ops::value_type beta,                 \
                               std::size_t cols) {                                                            \
            using V = typename Ops::vector;                                                                    \
            constexpr std::size_t L = Ops::lanes;                                                              \
            V acc[R][NV];                                                                                      \
            _Pragma("GCC unroll 16") for (std::size_t r = 0; r < R; ++r)                                      \
                _Pragma("GCC unroll 16") for (std::size_t v = 0; v < NV; ++v) acc[r][v] = Ops::zero();        \
            for (std::size_t p = 0; p < kc; ++p) {                                                             \
                V bv[NV];                                                                                      \
                _Pragma("GCC unroll 16") for (std::size_t v = 0; v < NV; ++v) bv[v] = Ops::load(b + v * L);   \
                _Pragma("GCC unroll 16") for (std::size_t r = 0; r < R; ++r) {                                \
                    const V ar = Ops::broadcast(a[r * a_rs]);                                                  \
                    _Pragma("GCC unroll 16") for (std::size_t v = 0; v < NV; ++v) acc[r][v] =                 \
                        Ops::fma(ar, bv[v], acc[r][v]);                                                        \
                }                                                                                              \
                a += a_cs;                                                                                     \
                b += b_rs;                                                                                     \
            }                                                                                                  \
            const V scale = Ops::broadcast(alpha), keep = Ops::broadcast(beta);                               \
            _Pragma("GCC unroll 16") for (std::size_t r = 0; r < R; ++r) {                                    \
                auto* row = c + r * ldc;                                                                       \
                _Pragma("GCC unroll 16") for (std::size_t v = 0; v < NV; ++v) {                               \
                    auto* at = row + v * L;                                                                    \
                    if (cols >= (v + 1) * L) {                                                                 \
                        const V sum = Ops::mul(scale, acc[r][v]);                                              \
                        Ops::store(at, beta == 0 ? sum : Ops::fma(keep, Ops::load(at), sum));                 \
                    } else if (cols > v * L) {                                                                 \
                        const auto m = Ops::first(cols - v * L);                                               \
                        const V sum = Ops::mul(scale, acc[r][v]);                                              \
                        Ops::store(at, beta == 0 ? sum : Ops::fma(keep, Ops::load(at, m), sum), m);           \
                    }                                                                                          \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    };

CTNN_GEMM_DEFINE_MICRO_KERNEL(gemm_portable_kernel, )
#if defined(CTNN_GEMM_X86)
CTNN_GEMM_DEFINE_MICRO_KERNEL(gemm_avx2_kernel, CTNN_TARGET_AVX2)
CTNN_GEMM_DEFINE_MICRO_KERNEL(gemm_avx512_kernel, CTNN_TARGET_AVX512)
#endif
#undef CTNN_GEMM_DEFINE_MICRO_KERNEL

// ---- packing and blocking -----------------------------------------------------------------------

/// A kernel family with its register block: MR rows by NV vectors of Ops::lanes columns. KC keeps
/// a B panel (KC × NR) within 16 KiB of L1, MC the rows of A one B panel meets within 256 KiB of
/// L2, NC a packed B block within 1 MiB.
template <class Kernel, class Ops, std::size_t MR_, std::size_t NV_>
struct gemm_blocking {
    using kernel = Kernel;
    using ops = Ops;
    using T = typename Ops::value_type;
    static constexpr std::size_t MR = MR_, NV = NV_, NR = NV_ * Ops::lanes;
    static constexpr std::size_t KC = (16384 / (NR * sizeof(T))) < 64 ? 64 : 16384 / (NR * sizeof(T));
    static constexpr std::size_t MC = 262144 / (KC * sizeof(T)) / MR * MR;
    static constexpr std::size_t NC = 1048576 / (KC * sizeof(T)) / NR * NR;
};

/// A work buffer of gemm's, one per thread and Purpose (the packed B block, a transposed result),
/// grown to the largest asked for and then reused: a steady-state training step allocates nothing.
template <class Purpose>
class gemm_buffer {
public:
    template <class T>
    static T* of_this_thread(std::size_t elements) {
        thread_local gemm_buffer buffer;
        const std::size_t bytes = elements * sizeof(T);
        if (bytes > buffer.bytes_) {
            buffer.storage_.reset(static_cast<std::byte*>(::operator new[](bytes, std::align_val_t(64))));
            buffer.bytes_ = bytes;
        }
        return reinterpret_cast<T*>(buffer.storage_.get());
    }

private:
    struct aligned_delete {
        void operator()(std::byte* p) const noexcept { ::operator delete[](p, std::align_val_t(64)); }
    };
    std::unique_ptr<std::byte[], aligned_delete> storage_;
    std::size_t bytes_ = 0;
};
struct packed_b_block;
struct transposed_result;
using gemm_pack_buffer = gemm_buffer<packed_b_block>;

// op(B) steps [p0, p0 + kc) × columns [j0, j0 + cols) -> panels of NR columns, each (kc, NR),
// the columns past the last zero (the micro-kernel reads whole vectors and stores a mask of them).
// Whole panels are copied a vector at a time, or transposed in tiles: a copy call per step of a
// panel, or an element-wise transpose, was a large share of a convolutional network's step.
template <std::size_t NR, class T>
void pack_b(bool trans, const T* b, std::size_t ldb, std::size_t p0, std::size_t kc, std::size_t j0,
            std::size_t cols, T* __restrict out) {
    using V = xsimd::batch<T>;
    constexpr std::size_t L = V::size;
    for (std::size_t j = 0; j < cols; j += NR) {
        const std::size_t width = std::min(NR, cols - j);
        T* panel = out + j * kc;
        if (trans) {  // op(B)(p, j) = b[j][p]: the panel is the transpose of `width` rows of b
            transpose_matrix(b + (j0 + j) * ldb + p0, width, kc, ldb, panel, NR);
            if (width < NR)
                for (std::size_t p = 0; p < kc; ++p) std::fill(panel + p * NR + width, panel + (p + 1) * NR, T(0));
        } else if (width == NR && NR % L == 0) {
            for (std::size_t p = 0; p < kc; ++p) {
                const T* from = b + (p0 + p) * ldb + j0 + j;
                for (std::size_t q = 0; q < NR; q += L) V::load_unaligned(from + q).store_unaligned(panel + p * NR + q);
            }
        } else {
            for (std::size_t p = 0; p < kc; ++p) {
                const T* from = b + (p0 + p) * ldb + j0 + j;
                T* to = panel + p * NR;
                for (std::size_t q = 0; q < width; ++q) to[q] = from[q];
                for (std::size_t q = width; q < NR; ++q) to[q] = T(0);
            }
        }
    }
}

/// A micro-kernel of a blocking, as a function pointer.
template <class Blocking>
using gemm_micro_kernel = void (*)(std::size_t, const typename Blocking::T*, std::size_t, std::size_t,
                                   const typename Blocking::T*, std::size_t,
                                   typename Blocking::T*, std::size_t, typename Blocking::T, typename Blocking::T,
                                   std::size_t);

/// The heights a blocking's micro-kernels come in: MR, and 4, 2 and 1 for the last rows of C,
/// which take the binary digits of their count (7 = 4 + 2 + 1). A kernel for every height up to
/// MR was compiled into every unit that multiplies, a share of its compile time, for last rows
/// that each such kernel ran in one pass instead of two or three over a B panel in L1.
template <class Blocking>
struct gemm_micro_kernel_heights {
    using K = typename Blocking::kernel;
    using Ops = typename Blocking::ops;
    static constexpr gemm_micro_kernel<Blocking> full = &K::template run<Ops, Blocking::NV, Blocking::MR>;
    /// [q]: the kernel of height 2^q
    static constexpr gemm_micro_kernel<Blocking> last_rows[3] = {&K::template run<Ops, Blocking::NV, 1>,
                                                                 &K::template run<Ops, Blocking::NV, 2>,
                                                                 &K::template run<Ops, Blocking::NV, 4>};
    static_assert(Blocking::MR >= 4, "the last rows are covered by heights 4, 2 and 1");
};

/// The share of the columns a micro-kernel computes that a result of `n` columns uses.
template <std::size_t NR>
constexpr double column_use(std::size_t n) noexcept {
    return double(n) / double((n + NR - 1) / NR * NR);
}

/// Whether a product is better formed as its transpose, Cᵀ = op(B)ᵀ·op(A)ᵀ, and then turned:
/// when C has fewer columns than a register block and its rows fill blocks better (a
/// convolution's weight gradient, 32 × 9 over 50176 patches, filled 9 of 32 columns), and the
/// sum is long enough for the turn to cost nothing next to it.
template <std::size_t NR>
constexpr bool product_better_transposed(std::size_t m, std::size_t n, std::size_t k) noexcept {
    return n < NR && k >= 16 && column_use<NR>(m) > 1.5 * column_use<NR>(n);
}

/// C ← alpha·op(A)·op(B) + beta·C with one kernel family; m, n, k > 0.
template <class Blocking, class T>
void blocked_gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                  std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    using B = Blocking;
    if (product_better_transposed<B::NR>(m, n, k)) {
        T* t = gemm_buffer<transposed_result>::of_this_thread<T>(m * n);  // Cᵀ (n, m)
        blocked_gemm<B>(!trans_b, !trans_a, n, m, k, T(1), b, ldb, a, lda, T(0), t, m);
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j)
                c[i * ldc + j] = beta == T(0) ? alpha * t[j * m + i] : alpha * t[j * m + i] + beta * c[i * ldc + j];
        return;
    }
    using heights = gemm_micro_kernel_heights<B>;
    const std::size_t kc_most = std::min(k, B::KC), nc_most = std::min(n, B::NC);
    // B of exactly one panel's width (a batch of NR samples, feature-major, as a narrow layer's
    // input or a recurrent step's state) is a panel already, its rows ldb apart: the kernels read
    // it where it is. Except at a stride of a multiple of 4 KiB, which would put every row of the
    // panel in one set of L1.
    const bool b_is_a_panel = !trans_b && n == B::NR && (ldb * sizeof(T)) % 4096 != 0;
    T* packed_b = b_is_a_panel ? nullptr
                               : gemm_pack_buffer::of_this_thread<T>(kc_most * ((nc_most + B::NR - 1) / B::NR * B::NR));
    for (std::size_t j0 = 0; j0 < n; j0 += B::NC) {
        const std::size_t nc = std::min(B::NC, n - j0);
        for (std::size_t p0 = 0; p0 < k; p0 += B::KC) {
            const std::size_t kc = std::min(B::KC, k - p0);
            const T beta_here = p0 == 0 ? beta : T(1);  // later steps add to what the first wrote
            const T* panels = b_is_a_panel ? b + p0 * ldb : packed_b;
            if (!b_is_a_panel) pack_b<B::NR>(trans_b, b, ldb, p0, kc, j0, nc, packed_b);
            for (std::size_t i0 = 0; i0 < m; i0 += B::MC) {
                const std::size_t mc = std::min(B::MC, m - i0);
                for (std::size_t j = 0; j < nc; j += B::NR) {
                    const std::size_t cols = std::min(B::NR, nc - j);
                    const std::size_t rs = trans_a ? 1 : lda, cs = trans_a ? lda : 1;
                    // rows [i0 + i, i0 + i + height) of C through the kernel of that height
                    const auto block = [&](gemm_micro_kernel<B> kernel, std::size_t i) {
                        const T* ap = trans_a ? a + p0 * lda + i0 + i : a + (i0 + i) * lda + p0;
                        kernel(kc, ap, rs, cs, panels + j * kc, b_is_a_panel ? ldb : B::NR,
                               c + (i0 + i) * ldc + j0 + j, ldc, alpha, beta_here, cols);
                    };
                    std::size_t i = 0;
                    for (; i + B::MR <= mc; i += B::MR) block(heights::full, i);
                    for (std::size_t q = 3; q-- > 0;)
                        if ((mc - i) >> q & 1) {
                            block(heights::last_rows[q], i);
                            i += std::size_t(1) << q;
                        }
                }
            }
        }
    }
}

/// C ← beta·C (m, n; ldc), C not read when beta = 0: what a product over k = 0 or with alpha = 0 is.
template <class T>
void scale_rows(std::size_t m, std::size_t n, T beta, T* c, std::size_t ldc) {
    for (std::size_t i = 0; i < m; ++i) {
        T* row = c + i * ldc;
        if (beta == T(0))
            std::fill_n(row, n, T(0));
        else if (beta != T(1))
            for (std::size_t j = 0; j < n; ++j) row[j] *= beta;
    }
}

/// C (m, n; ldc) ← alpha·op(A)·op(B) + beta·C with the kernels of `isa` (which the CPU must
/// run), A (m, k) or, transposed, (k, m), B (k, n) or (n, k), all row-major.
template <class T>
void gemm_with(gemm_isa isa, bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
               const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "ctnn's gemm is float or double");
    if (m == 0 || n == 0) return;
    if (k == 0 || alpha == T(0)) {
        scale_rows(m, n, beta, c, ldc);
        return;
    }
#if defined(CTNN_GEMM_X86)
    // AVX-512: 8 rows × 2 vectors, 16 accumulators; AVX2: 6 × 2, 12 of its 16 registers.
    if (isa == gemm_isa::avx512) {
        blocked_gemm<gemm_blocking<gemm_avx512_kernel, gemm_avx512_ops<T>, 8, 2>>(trans_a, trans_b, m, n, k, alpha,
                                                                                  a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (isa == gemm_isa::avx2) {
        blocked_gemm<gemm_blocking<gemm_avx2_kernel, gemm_avx2_ops<T>, 6, 2>>(trans_a, trans_b, m, n, k, alpha, a,
                                                                              lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    blocked_gemm<gemm_blocking<gemm_portable_kernel, gemm_portable_ops<T>, 4, 2>>(trans_a, trans_b, m, n, k, alpha, a,
                                                                                lda, b, ldb, beta, c, ldc);
}

/// The same with the kernels this process runs (gemm_isa_in_use).
template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
          std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    gemm_with(gemm_isa_in_use(), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace ctnn::detail

// The kernels are defined; their helper stays out of the units that include this header.
// cpu_isa.hpp's macros stay: a header that includes cpu_isa.hpp after this one (tanh, norms)
// compiles its own kernels with them.
#undef CTNN_GEMM_INLINE
