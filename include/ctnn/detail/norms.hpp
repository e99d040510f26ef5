// Norms over a parameter set's gradients, with a non-finite probe in the same pass.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <xsimd/xsimd.hpp>

#include "ctnn/detail/cpu_isa.hpp"

namespace ctnn::detail {

struct norm_accumulator {
    double sum_of_squares = 0.0;
    double max_abs = 0.0;
    /// Sum of g·0: stays 0 while every g is finite and turns NaN at the first NaN or ±inf.
    double non_finite_probe = 0.0;

    bool finite() const { return non_finite_probe == 0.0; }
    double l2() const { return std::sqrt(sum_of_squares); }
};

// One pass, SIMD, in chunks of up to 16 vectors, so the result does not change from run to run.
// Squares are summed in T's vectors (four accumulators of at most four squares each per chunk)
// and each chunk's lanes into per-lane double accumulators (independent adds: a scalar sum per
// chunk made this a chain of dependent adds, 4% of a deep MLP's training step). A float
// square overflows for |g| > 1.8e19 although the double sum would not: such a chunk is summed
// again in double, where the sum is non-finite exactly when a value is (NaN or ±inf); for
// double, a probe Σ (|g| − |g|) turns NaN at the first non-finite value. NaN never wins the max
// (as with std::max), ±inf does.
template <class T>
norm_accumulator& accumulate(norm_accumulator& acc, const T* g, std::size_t n) {
    using V = xsimd::batch<T>;
    constexpr std::size_t L = V::size, chunk = 16;
    constexpr bool float_squares = !std::is_same_v<T, double>;
    // g[first, n) one at a time: the tail past the last vector, or a gradient shorter than one
    const auto add_scalars = [g, n](std::size_t first, double& total, double& probe, double& largest) {
        for (std::size_t i = first; i < n; ++i) {
            const double v = double(g[i]);
            total += v * v;
            probe += v * 0.0;
            largest = std::max(largest, std::abs(v));
        }
    };
    if (n < L) {  // a small bias: no vector, so none of the lane reductions below
        double total = 0.0, probe = 0.0, largest = acc.max_abs;
        add_scalars(0, total, probe, largest);
        acc.sum_of_squares += total;
        acc.non_finite_probe += probe;
        acc.max_abs = largest;
        return acc;
    }
    const V zero(T(0));
    V max_abs[4] = {zero, zero, zero, zero}, probe0 = zero, probe1 = zero;
    double lane_totals[L] = {};
    double probe = 0.0;
    const std::size_t vectors = n / L;
    for (std::size_t first = 0; first < vectors; first += chunk) {
        const std::size_t count = std::min(chunk, vectors - first);
        const T* p = g + first * L;
        V squares[4] = {zero, zero, zero, zero};
        for (std::size_t k = 0; k < count; k += 4) {
            // unrolled by hand so the accumulators stay in registers
            for (std::size_t u = 0; u < 4 && k + u < count; ++u) {
                const V v = V::load_unaligned(p + (k + u) * L);
                const V a = xsimd::abs(v);
                squares[u] = xsimd::fma(v, v, squares[u]);
                max_abs[u] = xsimd::select(a > max_abs[u], a, max_abs[u]);  // vmaxps(a, max)
                if constexpr (!float_squares) {
                    V& pr = u % 2 ? probe1 : probe0;
                    pr += a - a;
                }
            }
        }
        const V chunk_sum = (squares[0] + squares[1]) + (squares[2] + squares[3]);
        // x − x is NaN exactly for ±inf and NaN: an overflowed square or a non-finite g.
        if (float_squares && xsimd::any(xsimd::isnan(chunk_sum - chunk_sum))) {
            double sum = 0.0;
            for (std::size_t i = 0; i < count * L; ++i) sum += double(p[i]) * double(p[i]);
            probe += sum * 0.0;
            lane_totals[0] += sum;
            continue;
        }
        alignas(64) T lanes[L];
        chunk_sum.store_aligned(lanes);
        for (std::size_t j = 0; j < L; ++j) lane_totals[j] += double(lanes[j]);
    }
    double total = 0.0;
    for (std::size_t j = 0; j < L; ++j) total += lane_totals[j];
    if constexpr (!float_squares) probe += xsimd::hadd(probe0 + probe1);
    alignas(64) T lane_max[L];
    const V max01 = xsimd::select(max_abs[1] > max_abs[0], max_abs[1], max_abs[0]);
    const V max23 = xsimd::select(max_abs[3] > max_abs[2], max_abs[3], max_abs[2]);
    xsimd::select(max23 > max01, max23, max01).store_aligned(lane_max);
    double total_max = acc.max_abs;
    for (std::size_t j = 0; j < L; ++j) total_max = std::max(total_max, double(lane_max[j]));
    add_scalars(vectors * L, total, probe, total_max);
    acc.sum_of_squares += total;
    acc.non_finite_probe += probe;
    acc.max_abs = total_max;
    return acc;
}

/// Visits a (rows, cols; ld) block: whole SIMD vectors through vector(slot, v), the slot
/// cycling 0 … 3 so that four accumulators take turns (one would wait on each previous add),
/// and the elements past a row's last whole vector through scalar(x). A packed block
/// (ld == cols) is walked as one run.
template <class T, class Vector, class Scalar>
void walk_block(const T* __restrict u, std::size_t ld, std::size_t rows, std::size_t cols, Vector&& vector,
                Scalar&& scalar) {
    using V = xsimd::batch<T>;
    constexpr std::size_t L = V::size;
    if (ld == cols) {
        cols *= rows;
        rows = 1;
    }
    for (std::size_t r = 0; r < rows; ++r) {
        const T* row = u + r * ld;
        std::size_t c = 0;
        for (; c + 4 * L <= cols; c += 4 * L)
            for (std::size_t k = 0; k < 4; ++k) vector(k, V::load_unaligned(row + c + k * L));
        for (; c + L <= cols; c += L) vector(std::size_t(0), V::load_unaligned(row + c));
        for (; c < cols; ++c) scalar(row[c]);
    }
}

/// A float type's bits as an unsigned integer of its width.
template <class T>
using float_bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;

/// The largest magnitude's bits as a double: +inf for NaN (and for ±inf).
template <class T>
double magnitude_of_bits(float_bits<T> largest) noexcept {
    const T value = std::bit_cast<T>(largest);
    return std::isnan(value) ? std::numeric_limits<double>::infinity() : double(value);
}

/// What subtract_scaled_recording saw: max |w| written, max |b| read, and whether every b is +0
/// or positive (−0 counts as negative); a maximum is +inf where a value is NaN or ±inf.
struct scaled_step_record {
    double w_largest = 0.0;
    double b_largest = 0.0;
    bool b_non_negative = true;
};

/// w[i] ← w[i] − lr·b[i] over [0, n), recording what the next step's bound would read of w and b
/// again: on the bits (see max_magnitude), a reduction the compiler vectorizes beside the step.
template <class T>
scaled_step_record subtract_scaled_recording(T* __restrict w, T lr, const T* __restrict b, std::size_t n) noexcept {
    using U = float_bits<T>;
    constexpr U magnitude = U(~U(0)) >> 1;
    U w_largest = 0, b_largest = 0, b_raw = 0;
    for (std::size_t i = 0; i < n; ++i) {
        w[i] -= lr * b[i];
        const U w_bits = std::bit_cast<U>(w[i]), b_bits = std::bit_cast<U>(b[i]);
        w_largest = std::max(w_largest, U(w_bits & magnitude));
        b_largest = std::max(b_largest, U(b_bits & magnitude));
        b_raw |= b_bits;
    }
    return {magnitude_of_bits<T>(w_largest), magnitude_of_bits<T>(b_largest), (b_raw & ~magnitude) == 0};
}

/// The bits of max |v| over v[0..n) (see max_magnitude).
template <class T>
inline __attribute__((always_inline)) float_bits<T> largest_magnitude_bits(const T* v, std::size_t n) noexcept {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8);
    using U = float_bits<T>;
    constexpr U magnitude = U(~U(0)) >> 1;
    U largest = 0;
    for (std::size_t i = 0; i < n; ++i) largest = std::max(largest, U(std::bit_cast<U>(v[i]) & magnitude));
    return largest;
}
/// The bits of max |v| and the largest raw bits over v[0..n) (see largest_and_sign).
template <class T>
inline __attribute__((always_inline)) std::array<float_bits<T>, 2> largest_and_raw_bits(const T* v,
                                                                                      std::size_t n) noexcept {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8);
    using U = float_bits<T>;
    constexpr U magnitude = U(~U(0)) >> 1;
    U largest = 0, raw = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const U bits = std::bit_cast<U>(v[i]);
        largest = std::max(largest, U(bits & magnitude));
        raw = std::max(raw, bits);
    }
    return {largest, raw};
}

#if defined(CTNN_GEMM_X86)
// The loops above compiled for AVX2, chosen at run time: SSE2 (a program built without -mavx2)
// has no unsigned 32-bit or 64-bit max, so there they run one element at a time, and they
// judge every step's update.
template <class T>
CTNN_TARGET_AVX2 inline float_bits<T> largest_magnitude_bits_avx2(const T* v, std::size_t n) noexcept {
    return largest_magnitude_bits(v, n);
}
template <class T>
CTNN_TARGET_AVX2 inline std::array<float_bits<T>, 2> largest_and_raw_bits_avx2(const T* v, std::size_t n) noexcept {
    return largest_and_raw_bits(v, n);
}
#endif
/// Whether a bits loop over n values runs in AVX2 (the CPU has it, and n is long enough to pay
/// for the call).
inline bool bits_loop_in_avx2([[maybe_unused]] std::size_t n) noexcept {
#if defined(CTNN_GEMM_X86)
    return n >= 64 && gemm_isa_in_use() != gemm_isa::portable;
#else
    return false;
#endif
}

/// max |v| over v[0..n), or +inf if any element is NaN or ±inf. On the bits with the sign
/// cleared, IEEE order is integer order and NaN and ±inf are the largest: one AND and one
/// integer max per element, a reduction the compiler vectorizes (a float max could not be
/// reordered), half the work of block_max_abs. In AVX2 where the CPU has it (gemm_isa_in_use).
template <class T>
double max_magnitude(const T* v, std::size_t n) noexcept {
#if defined(CTNN_GEMM_X86)
    if (bits_loop_in_avx2(n)) return magnitude_of_bits<T>(largest_magnitude_bits_avx2(v, n));
#endif
    return magnitude_of_bits<T>(largest_magnitude_bits(v, n));
}

/// max |v| over v[0..n) (+inf if one is NaN or ±inf) and whether every element is +0 or
/// positive (−0 counts as negative), from the bits in one pass: with the sign cleared, as
/// max_magnitude; with it kept, a set sign bit is larger than every positive value.
struct magnitude_and_sign {
    double largest = 0.0;
    bool non_negative = true;
};
template <class T>
magnitude_and_sign largest_and_sign(const T* v, std::size_t n) noexcept {
    using U = float_bits<T>;
    constexpr U magnitude = U(~U(0)) >> 1;
    std::array<U, 2> bits;
#if defined(CTNN_GEMM_X86)
    if (bits_loop_in_avx2(n))
        bits = largest_and_raw_bits_avx2(v, n);
    else
#endif
        bits = largest_and_raw_bits(v, n);
    return {magnitude_of_bits<T>(bits[0]), (bits[1] & ~magnitude) == 0};
}

/// max |u| over a (rows, cols; ld) block, or +inf if any element is NaN or ±inf.
template <class T>
T block_max_abs(const T* u, std::size_t ld, std::size_t rows, std::size_t cols) {
    using V = xsimd::batch<T>;
    constexpr std::size_t L = V::size;
    // probe: Σ (v − v), NaN from the first non-finite v on.
    V largest[4] = {V(T(0)), V(T(0)), V(T(0)), V(T(0))}, probe[4] = {V(T(0)), V(T(0)), V(T(0)), V(T(0))};
    T tail_largest = T(0), tail_probe = T(0);
    walk_block(
        u, ld, rows, cols,
        [&](std::size_t k, const V& v) {
            largest[k] = xsimd::max(largest[k], xsimd::abs(v));
            probe[k] += v - v;
        },
        [&](T x) {
            tail_largest = std::max(tail_largest, std::abs(x));
            tail_probe += x - x;
        });
    const T total_probe = xsimd::hadd((probe[0] + probe[1]) + (probe[2] + probe[3])) + tail_probe;
    if (total_probe != total_probe) return std::numeric_limits<T>::infinity();
    alignas(64) T lanes[L];
    xsimd::max(xsimd::max(largest[0], largest[1]), xsimd::max(largest[2], largest[3])).store_aligned(lanes);
    for (std::size_t j = 0; j < L; ++j) tail_largest = std::max(tail_largest, lanes[j]);
    return tail_largest;
}

/// Σ over a (rows, cols; ld) block of its squares, in double (a recurrent step's ‖∂L/∂h_t‖²,
/// whose rows are one batch long).
template <class T>
double block_sum_of_squares(const T* u, std::size_t ld, std::size_t rows, std::size_t cols) {
    using V = xsimd::batch<T>;
    V acc[4] = {V(T(0)), V(T(0)), V(T(0)), V(T(0))};
    double tail = 0.0;
    walk_block(
        u, ld, rows, cols, [&](std::size_t k, const V& v) { acc[k] = xsimd::fma(v, v, acc[k]); },
        [&](T x) { tail += double(x) * double(x); });
    return double(xsimd::hadd((acc[0] + acc[1]) + (acc[2] + acc[3]))) + tail;
}

/// 2-norm, ∞-norm and finiteness of one parameter's gradient.
template <class Parameter>
norm_accumulator gradient_norms(const Parameter& p) {
    norm_accumulator acc;
    return accumulate(acc, p.grad.data(), p.grad.size());
}

/// Same over every parameter of a set.
template <class ParameterSet>
norm_accumulator gradient_norms_of_set(ParameterSet& params) {
    norm_accumulator acc;
    params.for_each_parameter([&](auto& p) { accumulate(acc, p.grad.data(), p.grad.size()); });
    return acc;
}

/// ‖g‖₂ from `acc` (what accumulate found over the gradients `for_each_gradient` visits): acc.l2(),
/// or, where the squares' sum overflowed though every g is finite (double gradients past
/// ~1e154), the sum again with each g scaled by the largest |g|: the norm itself, finite
/// whenever it is representable (torch's clip_grad_norm_ reports inf there, and clips to 0).
template <class ForEachGradient>
double l2_without_overflow(const norm_accumulator& acc, ForEachGradient for_each_gradient) {
    const double norm = acc.l2();
    if (std::isfinite(norm) || !acc.finite() || acc.max_abs == 0.0) return norm;
    double scaled = 0.0;
    for_each_gradient([&](const auto& grad) {
        for (const auto g : grad) scaled += (double(g) / acc.max_abs) * (double(g) / acc.max_abs);
    });
    return acc.max_abs * std::sqrt(scaled);
}

/// ‖g‖₂ of one parameter's gradient, without overflow (l2_without_overflow).
template <class Parameter>
double gradient_l2(const Parameter& p, const norm_accumulator& acc) {
    return l2_without_overflow(acc, [&](auto visit) { visit(p.grad); });
}

/// ‖g‖₂ over every parameter of a set, without overflow (l2_without_overflow).
template <class ParameterSet>
double gradient_l2_of_set(ParameterSet& params, const norm_accumulator& acc) {
    return l2_without_overflow(acc, [&](auto visit) { params.for_each_parameter([&](auto& p) { visit(p.grad); }); });
}

/// Σ_i term(i) for i in [0, n), term(i) a double (it may also write element i), in eight
/// independent accumulators combined in a fixed order: one running sum is a chain of dependent
/// adds, an add's latency per element; eight keep the adds apart and the result the same from
/// run to run.
template <class Term>
double sum_in_lanes(std::size_t n, Term&& term) {
    constexpr std::size_t lanes = 8;
    double sums[lanes] = {};
    std::size_t i = 0;
    for (; i + lanes <= n; i += lanes)
        for (std::size_t k = 0; k < lanes; ++k) sums[k] += term(i + k);
    double tail = 0.0;
    for (; i < n; ++i) tail += term(i);
    return (((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5]) + (sums[6] + sums[7]))) + tail;
}

}  // namespace ctnn::detail
