// gelu_tanh: PyTorch's GELU(approximate='tanh'), a = ½z(1 + tanh u) with
// u = √(2/π)(z + 0.044715z³), written as z·σ(2u), the same function.
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

struct gelu_tanh {
    struct sqrt_2_over_pi {
        static constexpr double value = 0.79788456080286535588;
        static constexpr std::string_view symbol = "√(2/π)";
    };
    static constexpr std::string_view name = "gelu_tanh";
    // ½(1 + tanh u) = σ(2u): no cancellation in the left tail (PyTorch's value at z = −5 is off
    // by 3e-10 relative in float64, by 0.3 in float32), and σ's derivative σ(1 − σ) is 0, not
    // NaN, where e^−2u overflows. Beyond |z| = 30, u > 980 and σ(2u) is 0 or 1 in float and
    // double alike, so clamping z there inside u changes nothing and keeps z³ finite.
    static constexpr auto clamped = expr::clamp(expr::z, expr::rational<-30>{}, expr::rational<30>{});
    static constexpr auto formula =
        expr::z * expr::sigmoid(expr::rational<2>{} * expr::constant<sqrt_2_over_pi>{}
                                * (clamped + expr::make_rational<44715, 1000000>() * expr::pow<3>(clamped)));
};

}  // namespace ctnn
