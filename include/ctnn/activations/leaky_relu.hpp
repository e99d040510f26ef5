// leaky_relu: a = z for z > 0, slope·z otherwise (PyTorch's default slope 0.01); da/dz = 1 or
// slope, the slope at z = 0 as PyTorch's backward.
#pragma once

#include <ratio>
#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

/// `Slope` is a std::ratio (floating-point template arguments are not portable to clang 14).
template <class Slope = std::ratio<1, 100>>
struct leaky_relu {
    static_assert(Slope::num > 0 && Slope::num < Slope::den,
                  "ctnn: leaky_relu's slope must lie in (0, 1)");
    static constexpr double slope = double(Slope::num) / double(Slope::den);
    static constexpr std::string_view name = "leaky_relu";
    static constexpr auto formula =
        expr::select(expr::z > expr::rational<0>{}, expr::z, expr::make_rational<Slope::num, Slope::den>() * expr::z);
};

}  // namespace ctnn
