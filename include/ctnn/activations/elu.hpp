// elu: a = z for z > 0, α(e^z − 1) otherwise; da/dz = 1 or αe^z (PyTorch's ELU, α = 1), α at
// z = 0 as PyTorch's backward. αe^z is not read off a (a + α cancels for z << 0): z is kept.
#pragma once

#include <ratio>
#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

/// `Alpha` is a std::ratio (floating-point template arguments are not portable to clang 14).
template <class Alpha = std::ratio<1>>
struct elu {
    static constexpr double alpha = double(Alpha::num) / double(Alpha::den);
    static constexpr std::string_view name = "elu";
    // expm1 keeps e^z − 1 accurate near 0; for z >> 0 the branch not taken is inf, and select
    // drops it.
    static constexpr auto formula = expr::select(expr::z > expr::rational<0>{}, expr::z,
                                                 expr::make_rational<Alpha::num, Alpha::den>() * expr::expm1(expr::z));
};

}  // namespace ctnn
