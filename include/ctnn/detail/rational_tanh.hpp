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
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn::detail {

/// The rational tanh, for a float or a batch of floats; the scalar and SIMD forms do the same
/// operations (fused multiply-adds included), so a tail element equals its SIMD neighbours.
/// NaN stays NaN (a clamp that dropped it would give ±1 and hide a diverging step): in SIMD,
/// min and max return their second operand when either is NaN (x86 minps/maxps), hence the
/// operand order.
template <class V>
V rational_tanh(const V& a) {
    constexpr float limit = 8.75f;  // the ratio is exactly ±1 here, as float tanh is
    // Eigen's coefficients divided by β₀, so that p ≈ x near 0 and stays normal for every normal
    // x (with β₀ = 0.0049, p turned subnormal below 2e-36 and lost its precision).
    constexpr double b0 = 4.89352518554385e-03;
    constexpr float alpha[7] = {float(4.89352455891786e-03 / b0),  float(6.37261928875436e-04 / b0),
                                float(1.48572235717979e-05 / b0),  float(5.12229709037114e-08 / b0),
                                float(-8.60467152213735e-11 / b0), float(2.00018790482477e-13 / b0),
                                float(-2.76076847742355e-16 / b0)};
    constexpr float beta[4] = {1.0f, float(2.26843463243900e-03 / b0), float(1.18534705686654e-04 / b0),
                               float(1.19825839466702e-06 / b0)};
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
