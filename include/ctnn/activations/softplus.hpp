// softplus: a = (1/β)·log(1 + e^(βz)), and a = z where βz > threshold (PyTorch's Softplus,
// β = 1, threshold 20); da/dz = σ(βz), or 1 in the linear region.
#pragma once

#include <ratio>
#include <string_view>

#include "ctnn/detail/xtensor.hpp"

namespace ctnn {

/// `Beta` and `Threshold` are std::ratios (no floating-point template arguments on clang 14).
template <class Beta = std::ratio<1>, class Threshold = std::ratio<20>>
struct basic_softplus {
    static_assert(Beta::num > 0, "ctnn: softplus's beta must be positive");
    static constexpr double beta = double(Beta::num) / double(Beta::den);
    static constexpr double threshold = double(Threshold::num) / double(Threshold::den);
    static constexpr std::string_view name = "softplus";
    /// PyTorch switches to the linear branch where βz > threshold; that test needs z (a alone
    /// cannot tell βz = threshold from just above it).
    static constexpr bool derivative_needs_preactivation = true;

    // z (B, N) -> a (B, N)
    // log(1 + e^x) = max(x, 0) + log1p(e^−|x|): never overflows, whatever the threshold.
    template <class E>
    static auto forward(const E& z) {
        using T = typename E::value_type;
        return xt::where(T(beta) * z > T(threshold), z,
                         (xt::fmax(T(beta) * z, T(0)) + xt::log1p(xt::exp(-xt::abs(T(beta) * z))))
                             / T(beta));
    }
    // (z, a) -> da/dz (B, N); σ(βz) = 1/(1 + e^(−βz)) is 0, not NaN, when e^(−βz) = inf.
    template <class Z, class A>
    static auto derivative(const Z& z, const A&) {
        using T = typename Z::value_type;
        return xt::where(T(beta) * z > T(threshold), T(1), T(1) / (T(1) + xt::exp(T(-beta) * z)));
    }
};

using softplus = basic_softplus<>;

}  // namespace ctnn
