// softplus: a = (1/β)·log(1 + e^(βz)), and a = z where βz > threshold (PyTorch's Softplus,
// β = 1, threshold 20); da/dz = σ(βz), or 1 in the linear region.
#pragma once

#include <ratio>
#include <string_view>

#include "ctnn/expr/rules.hpp"

namespace ctnn {

/// `Beta` and `Threshold` are std::ratios (no floating-point template arguments on clang 14).
template <class Beta = std::ratio<1>, class Threshold = std::ratio<20>>
struct softplus {
    static_assert(Beta::num > 0, "ctnn: softplus's beta must be positive");
    static constexpr double beta = double(Beta::num) / double(Beta::den);
    static constexpr double threshold = double(Threshold::num) / double(Threshold::den);
    static constexpr std::string_view name = "softplus";
    // softplus(x) = max(x, 0) + log1p(e^−|x|) inside: it never overflows, whatever the threshold.
    static constexpr auto scaled = expr::make_rational<Beta::num, Beta::den>() * expr::z;
    static constexpr auto formula = expr::select(scaled > expr::make_rational<Threshold::num, Threshold::den>(), expr::z,
                                                 expr::softplus(scaled) / expr::make_rational<Beta::num, Beta::den>());
};

}  // namespace ctnn
