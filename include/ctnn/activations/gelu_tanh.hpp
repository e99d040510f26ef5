// gelu_tanh: PyTorch's GELU(approximate='tanh'), a = ½z(1 + tanh u) with
// u = √(2/π)(z + 0.044715z³); da/dz = ½(1 + tanh u) + ½z(1 − tanh²u)·u'.
#pragma once

#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

struct gelu_tanh {
    static constexpr double sqrt_2_over_pi = 0.79788456080286535588;  // √(2/π)
    static constexpr double kappa = 0.044715;
    /// Beyond |z| = 30, u > 980: tanh u is ±1 and sech²u is 0 in double and float alike, so
    /// clamping z there inside u changes nothing and keeps z³ from overflowing to inf·0 = NaN.
    static constexpr double saturation = 30;
    static constexpr std::string_view name = "gelu_tanh";
    /// tanh u cannot be recovered from a at z = 0 nor cheaply in general, so z is kept.
    static constexpr bool derivative_needs_preactivation = true;

    // z (B, N) -> a (B, N)
    // ½(1 + tanh u) = 1/(1 + e^(−2u)): the same function without PyTorch's cancellation in the
    // left tail (PyTorch's value at z = −5 is off by 3e-10 relative in float64, by 0.3 in
    // float32), and e^(−2u) = inf for u << 0 gives a = z/inf = 0 rather than NaN.
    template <class E>
    static auto forward(const E& z) {
        using T = typename E::value_type;
        return z / (T(1) + xt::exp(T(-2) * inner(z)));
    }
    // (z, a) -> da/dz (B, N)
    // ½(1 − tanh²u) = ½sech²u, which cosh overflowing to inf turns into an exact 0.
    template <class Z, class A>
    static auto derivative(const Z& z, const A&) {
        using T = typename Z::value_type;
        return T(1) / (T(1) + xt::exp(T(-2) * inner(z)))
             + T(0.5 * sqrt_2_over_pi) * clamped(z) * (T(1) + T(3 * kappa) * xt::square(clamped(z)))
                   / xt::square(xt::cosh(inner(z)));
    }

private:
    template <class E>
    static auto clamped(const E& z) {
        using T = typename E::value_type;
        // where() rather than min/max: it vectorises, and a NaN z stays NaN.
        return xt::where(z < T(-saturation), T(-saturation), xt::where(z > T(saturation), T(saturation), z));
    }
    // u = √(2/π)(z + κz³), of z clamped to ±saturation. Holds z by reference: z is the caller's.
    template <class E>
    static auto inner(const E& z) {
        using T = typename E::value_type;
        return T(sqrt_2_over_pi) * (clamped(z) + T(kappa) * xt::cube(clamped(z)));
    }
};

}  // namespace ctnn
