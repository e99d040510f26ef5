// tanh for float as one branch-free rational function (Eigen's generic_fast_tanh_float
// coefficients): a degree-13/6 odd/even ratio on [−7.9053, 7.9053] (clamped there), and
// exactly ±1 beyond ±9, as float tanh is. xsimd's float tanh takes a polynomial branch for
// |x| < 0.625 and an exp branch above, and computes both whenever a vector holds both kinds:
// that was the largest part of an RNN step's own work (W3). This costs 11 FMAs and one
// division per vector and stays within 4 float ulps of tanh (tests/activations/activations.cpp).
// double keeps xsimd's tanh: the float64 fixtures are matched to 1e-10.
#pragma once

#include <cmath>
#include <type_traits>
#include <utility>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn::detail {

/// The rational tanh, for a float or a batch of floats; the scalar and SIMD forms do the same
/// operations (fused multiply-adds included), so a tail element equals its SIMD neighbours.
/// NaN stays NaN (the clamp alone would turn it into ±1 and hide a diverging step).
template <class V>
V rational_tanh(const V& a) {
    constexpr float limit = 7.90531110763549805f;  // tanh rounds to ±1 in float from here on
    constexpr float tiny = 0.0004f;                // below this, tanh(x) = x in float
    constexpr float saturated = 9.0f;              // from here on float tanh is exactly ±1
    constexpr float alpha[7] = {4.89352455891786e-03f,  6.37261928875436e-04f, 1.48572235717979e-05f,
                                5.12229709037114e-08f,  -8.60467152213735e-11f, 2.00018790482477e-13f,
                                -2.76076847742355e-16f};
    constexpr float beta[4] = {4.89352518554385e-03f, 2.26843463243900e-03f, 1.18534705686654e-04f,
                               1.19825839466702e-06f};
    if constexpr (std::is_same_v<V, float>) {
        if (std::isnan(a)) return a;
        const float x = std::fmax(std::fmin(a, limit), -limit);
        if (std::fabs(a) < tiny) return a;
        if (std::fabs(a) >= saturated) return std::copysign(1.0f, a);
        const float x2 = x * x;
        float p = std::fma(x2, alpha[6], alpha[5]);
        for (int k = 4; k >= 0; --k) p = std::fma(x2, p, alpha[k]);
        p = x * p;
        float q = std::fma(x2, beta[3], beta[2]);
        q = std::fma(x2, q, beta[1]);
        q = std::fma(x2, q, beta[0]);
        return p / q;
    } else {
        const V x = xsimd::max(xsimd::min(a, V(limit)), V(-limit));
        const V x2 = x * x;
        V p = xsimd::fma(x2, V(alpha[6]), V(alpha[5]));
        for (int k = 4; k >= 0; --k) p = xsimd::fma(x2, p, V(alpha[k]));
        p = x * p;
        V q = xsimd::fma(x2, V(beta[3]), V(beta[2]));
        q = xsimd::fma(x2, q, V(beta[1]));
        q = xsimd::fma(x2, q, V(beta[0]));
        // a itself where |a| is tiny or a is NaN (NaN fails every comparison).
        const auto keep_a = (xsimd::abs(a) < V(tiny)) | xsimd::isnan(a);
        const V r = xsimd::select(xsimd::abs(a) >= V(saturated), xsimd::copysign(V(1.0f), a), p / q);
        return xsimd::select(keep_a, a, r);
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
