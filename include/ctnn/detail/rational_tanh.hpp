// tanh for float as one branch-free rational function (Eigen's generic_fast_tanh_float
// coefficients, rescaled): a degree-13/6 odd/even ratio on [−8.75, 8.75], clamped there, where
// it is ±1 as float tanh is. xsimd's float tanh takes a polynomial branch for |x| < 0.625 and
// an exp branch above, and computes both whenever a vector holds both kinds: that was the
// largest part of an RNN step's own work (W3). This is 10 FMAs, a multiply, a division and four
// min/max per vector, with no selects (each one cost 1% of a deep tanh MLP's step, W4), and
// stays within 5 float ulps of tanh for every float (tests/activations/activations.cpp).
// double keeps xsimd's tanh: the float64 fixtures are matched to 1e-10.
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "ctnn/detail/cpu_isa.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::detail {

inline constexpr float rational_tanh_limit = 8.75f;  // the ratio is exactly ±1 here, as float tanh is
// Eigen's coefficients divided by β₀, so that p ≈ x near 0 and stays normal for every normal x
// (with β₀ = 0.0049, p turned subnormal below 2e-36 and lost its precision).
inline constexpr double rational_tanh_b0 = 4.89352518554385e-03;
inline constexpr float rational_tanh_alpha[7] = {
    float(4.89352455891786e-03 / rational_tanh_b0),  float(6.37261928875436e-04 / rational_tanh_b0),
    float(1.48572235717979e-05 / rational_tanh_b0),  float(5.12229709037114e-08 / rational_tanh_b0),
    float(-8.60467152213735e-11 / rational_tanh_b0), float(2.00018790482477e-13 / rational_tanh_b0),
    float(-2.76076847742355e-16 / rational_tanh_b0)};
inline constexpr float rational_tanh_beta[4] = {1.0f, float(2.26843463243900e-03 / rational_tanh_b0),
                                                float(1.18534705686654e-04 / rational_tanh_b0),
                                                float(1.19825839466702e-06 / rational_tanh_b0)};

/// The rational tanh, for a float or a batch of floats; the scalar and SIMD forms do the same
/// operations (fused multiply-adds included), so a tail element equals its SIMD neighbours.
/// NaN stays NaN (a clamp that dropped it would give ±1 and hide a diverging step): in SIMD,
/// min and max return their second operand when either is NaN (x86 minps/maxps), hence the
/// operand order.
template <class V>
V rational_tanh(const V& a) {
    constexpr float limit = rational_tanh_limit;
    constexpr const float* alpha = rational_tanh_alpha;
    constexpr const float* beta = rational_tanh_beta;
    if constexpr (std::is_same_v<V, float>) {
        if (std::isnan(a)) return a;
        const float x = std::fmax(-limit, std::fmin(limit, a));
        const float x2 = x * x;
        float p = std::fma(x2, alpha[6], alpha[5]);
        for (int k = 4; k >= 0; --k) p = std::fma(x2, p, alpha[k]);
        p = x * p;
        float q = std::fma(x2, beta[3], beta[2]);
        q = std::fma(x2, q, beta[1]);
        q = std::fma(x2, q, beta[0]);
        return std::fmax(-1.0f, std::fmin(1.0f, p / q));  // 1 + 1 ulp between 8.08 and 8.75
    } else {
        const V x = xsimd::max(V(-limit), xsimd::min(V(limit), a));
        const V x2 = x * x;
        V p = xsimd::fma(x2, V(alpha[6]), V(alpha[5]));
        for (int k = 4; k >= 0; --k) p = xsimd::fma(x2, p, V(alpha[k]));
        p = x * p;
        V q = xsimd::fma(x2, V(beta[3]), V(beta[2]));
        q = xsimd::fma(x2, q, V(beta[1]));
        q = xsimd::fma(x2, q, V(beta[0]));
        return xsimd::max(V(-1.0f), xsimd::min(V(1.0f), p / q));  // 1 + 1 ulp between 8.08 and 8.75
    }
}

// ---- the rational tanh over an array, at the CPU's widest vectors --------------------------------
// The same operations again in AVX-512 and AVX2 intrinsics, each function carrying its own
// target (as gemm's kernels do), chosen at run time: xsimd's batch is as wide as the unit's flags
// allow (AVX2 in ctnn's own builds, SSE2 in a consumer's without flags), and tanh's division
// bounds a tanh network's activation pass (AVX-512 runs it in two thirds of AVX2's time). Every
// path gives every element the same bits.
#if defined(CTNN_GEMM_X86)
#define CTNN_DEFINE_RATIONAL_TANH_VECTOR(NAME, TARGET, V, P, MIN, MAX)                                                 \
    TARGET __attribute__((always_inline)) inline V NAME(V a) {                                                         \
        const V x = MAX(P##_set1_ps(-rational_tanh_limit), MIN(P##_set1_ps(rational_tanh_limit), a));                  \
        const V x2 = P##_mul_ps(x, x);                                                                                 \
        V p = P##_fmadd_ps(x2, P##_set1_ps(rational_tanh_alpha[6]), P##_set1_ps(rational_tanh_alpha[5]));              \
        for (int k = 4; k >= 0; --k) p = P##_fmadd_ps(x2, p, P##_set1_ps(rational_tanh_alpha[k]));                     \
        p = P##_mul_ps(x, p);                                                                                          \
        V q = P##_fmadd_ps(x2, P##_set1_ps(rational_tanh_beta[3]), P##_set1_ps(rational_tanh_beta[2]));                \
        q = P##_fmadd_ps(x2, q, P##_set1_ps(rational_tanh_beta[1]));                                                   \
        q = P##_fmadd_ps(x2, q, P##_set1_ps(rational_tanh_beta[0]));                                                   \
        return MAX(P##_set1_ps(-1.0f), MIN(P##_set1_ps(1.0f), P##_div_ps(p, q)));                                      \
    }
// AVX-512's min and max through an all-ones mask: GCC 12's unmasked forms pass an undefined
// vector that -Wmaybe-uninitialized reports. The same instructions, the same NaN rule.
CTNN_TARGET_AVX512 __attribute__((always_inline)) inline __m512 rational_tanh_min512(__m512 a, __m512 b) {
    return _mm512_maskz_min_ps(__mmask16(0xFFFF), a, b);
}
CTNN_TARGET_AVX512 __attribute__((always_inline)) inline __m512 rational_tanh_max512(__m512 a, __m512 b) {
    return _mm512_maskz_max_ps(__mmask16(0xFFFF), a, b);
}
CTNN_DEFINE_RATIONAL_TANH_VECTOR(rational_tanh_avx512, CTNN_TARGET_AVX512, __m512, _mm512, rational_tanh_min512,
                                 rational_tanh_max512)
CTNN_DEFINE_RATIONAL_TANH_VECTOR(rational_tanh_avx2, CTNN_TARGET_AVX2, __m256, _mm256, _mm256_min_ps, _mm256_max_ps)
#undef CTNN_DEFINE_RATIONAL_TANH_VECTOR

// in (n) -> out = tanh(in) for the whole vectors of n, four at a time (four independent chains of
// a dozen dependent steps each); returns how many it did. out may be in.
#define CTNN_DEFINE_RATIONAL_TANH_VECTORS(NAME, TARGET, V, P, L, ONE)                                                  \
    TARGET inline std::size_t NAME(const float* in, float* out, std::size_t n) {                                       \
        std::size_t i = 0;                                                                                             \
        for (; i + 4 * (L) <= n; i += 4 * (L)) {                                                                       \
            const V a0 = P##_loadu_ps(in + i), a1 = P##_loadu_ps(in + i + (L));                                        \
            const V a2 = P##_loadu_ps(in + i + 2 * (L)), a3 = P##_loadu_ps(in + i + 3 * (L));                          \
            P##_storeu_ps(out + i, ONE(a0));                                                                           \
            P##_storeu_ps(out + i + (L), ONE(a1));                                                                     \
            P##_storeu_ps(out + i + 2 * (L), ONE(a2));                                                                 \
            P##_storeu_ps(out + i + 3 * (L), ONE(a3));                                                                 \
        }                                                                                                              \
        for (; i + (L) <= n; i += (L)) P##_storeu_ps(out + i, ONE(P##_loadu_ps(in + i)));                              \
        return i;                                                                                                      \
    }
CTNN_DEFINE_RATIONAL_TANH_VECTORS(rational_tanh_vectors_avx512, CTNN_TARGET_AVX512, __m512, _mm512, 16,
                                  rational_tanh_avx512)
CTNN_DEFINE_RATIONAL_TANH_VECTORS(rational_tanh_vectors_avx2, CTNN_TARGET_AVX2, __m256, _mm256, 8, rational_tanh_avx2)
#undef CTNN_DEFINE_RATIONAL_TANH_VECTORS

// in (n) -> out = tanh(in) (n); out may be in.
CTNN_TARGET_AVX512 inline void rational_tanh_array_avx512(const float* in, float* out, std::size_t n) {
    const std::size_t i = rational_tanh_vectors_avx512(in, out, n);
    if (i < n) {  // the last few through a mask: the lanes past n are neither read nor written
        const __mmask16 m = __mmask16((1u << (n - i)) - 1u);
        _mm512_mask_storeu_ps(out + i, m, rational_tanh_avx512(_mm512_maskz_loadu_ps(m, in + i)));
    }
}
CTNN_TARGET_AVX2 inline void rational_tanh_array_avx2(const float* in, float* out, std::size_t n) {
    for (std::size_t i = rational_tanh_vectors_avx2(in, out, n); i < n; ++i) out[i] = rational_tanh(in[i]);
}
#endif

inline void rational_tanh_array_portable(const float* in, float* out, std::size_t n) {
    using V = xsimd::batch<float>;
    std::size_t i = 0;
    for (; i + V::size <= n; i += V::size) rational_tanh(V::load_unaligned(in + i)).store_unaligned(out + i);
    for (; i < n; ++i) out[i] = rational_tanh(in[i]);
}

/// in (n) -> out = tanh(in) (n) with the kernels of `isa` (the CPU must run them: cpu_runs).
inline void rational_tanh_array(gemm_isa isa, const float* in, float* out, std::size_t n) {
#if defined(CTNN_GEMM_X86)
    if (isa == gemm_isa::avx512) return rational_tanh_array_avx512(in, out, n);
    if (isa == gemm_isa::avx2) return rational_tanh_array_avx2(in, out, n);
#endif
    (void)isa;
    rational_tanh_array_portable(in, out, n);
}

/// in (n) -> out = tanh(in) (n) at the widest vectors this process uses (gemm_isa_in_use).
inline void rational_tanh_array(const float* in, float* out, std::size_t n) {
    rational_tanh_array(gemm_isa_in_use(), in, out, n);
}

/// xtensor functor: the rational form for float, the standard tanh for everything else.
struct tanh_fun {
    template <class T>
    T operator()(const T& x) const {
        if constexpr (std::is_same_v<T, float>) {
            return rational_tanh(x);
        } else {
            using std::tanh;
            return tanh(x);
        }
    }
    template <class B>
    B simd_apply(const B& x) const {
        if constexpr (std::is_same_v<typename B::value_type, float>)
            return rational_tanh(x);
        else
            return xsimd::tanh(x);
    }
};

/// Element-wise tanh of an xtensor expression (lazy, SIMD where the operand allows).
template <class E>
auto tanh(E&& e) {
    return xt::detail::make_xfunction<tanh_fun>(std::forward<E>(e));
}

}  // namespace ctnn::detail

