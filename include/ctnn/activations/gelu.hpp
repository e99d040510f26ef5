// gelu: a = z·Φ(z), Φ the standard normal CDF (PyTorch's exact GELU, approximate='none');
// da/dz = Φ(z) + z·φ(z), derived.
#pragma once

#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

struct gelu {
    static constexpr std::string_view name = "gelu";
    // Φ(z) = erfc(−z/√2)/2 rather than PyTorch's (1 + erf(z/√2))/2: the same function, but the
    // sum cancels in the left tail (PyTorch's value at z = −5 is off by 8e-11 relative in
    // float64, by 4e-2 in float32) and erfc does not. xsimd's erfc is good to ~1e-6 relative in
    // float; in double to 4e-12 (1e-11 by z = −13), so PyTorch's float64 value is the closer
    // one only for −4.5 < z < −3.1, and the absolute error stays below 1e-14 everywhere.
    static constexpr auto formula =
        expr::rational<1, 2>{} * expr::z * expr::erfc(-expr::z / expr::sqrt(expr::rational<2>{}));
};

}  // namespace ctnn
