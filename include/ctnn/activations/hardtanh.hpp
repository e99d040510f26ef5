// hardtanh: a = clamp(z, min, max) (PyTorch's Hardtanh, [−1, 1]); da/dz = 1 strictly inside
// (min, max), 0 outside and at the bounds themselves, as PyTorch's backward, read off a.
#pragma once

#include <ratio>
#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

/// `Min` and `Max` are std::ratios (no floating-point template arguments on clang 14).
template <class Min = std::ratio<-1>, class Max = std::ratio<1>>
struct hardtanh {
    static_assert(std::ratio_less_v<Min, Max>, "ctnn: hardtanh's min must be less than its max");
    static constexpr double min_val = double(Min::num) / double(Min::den);
    static constexpr double max_val = double(Max::num) / double(Max::den);
    static constexpr std::string_view name = "hardtanh";
    static constexpr auto formula = expr::clamp(expr::z, expr::make_rational<Min::num, Min::den>(),
                                                expr::make_rational<Max::num, Max::den>());
};

}  // namespace ctnn
