// Central finite differences in double precision, compared with analytic gradients.
#pragma once

#include <cmath>
#include <cstddef>
#include <functional>

#include <catch2/catch.hpp>

namespace ctnn_test {

/// Checks analytic[i] ≈ (f(v + h·e_i) − f(v − h·e_i)) / 2h for every element of `values`
/// (perturbed in place and restored). Relative error against max(|numeric|, |analytic|, 1e-3): the floor keeps round-off in a large loss from failing tiny gradients.
template <class Values, class Analytic>
void check_gradient(Values& values, const Analytic& analytic, const std::function<double()>& f,
                    double tolerance = 1e-5, double h = 1e-5) {
    REQUIRE(values.size() == analytic.size());
    auto a = analytic.begin();
    std::size_t i = 0;
    for (auto v = values.begin(); v != values.end(); ++v, ++a, ++i) {
        const double saved = *v;
        *v = saved + h;
        const double up = f();
        *v = saved - h;
        const double down = f();
        *v = saved;
        const double numeric = (up - down) / (2 * h);
        const double scale = std::max({std::abs(numeric), std::abs(double(*a)), 1e-3});
        INFO("element " << i << ": analytic " << double(*a) << ", numeric " << numeric);
        REQUIRE(std::abs(numeric - double(*a)) / scale <= tolerance);
    }
}

}  // namespace ctnn_test
