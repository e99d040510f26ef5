// Loads and compares a network's parameters in visiting order, as fixtures list them:
// `<prefix>.p<k>` values, `<prefix>.g<k>` gradients.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <type_traits>

#include "support/approx.hpp"
#include "support/fixture.hpp"

namespace ctnn_test {

template <class Net>
void load_parameters(Net& net, const fixture& f, const std::string& prefix) {
    std::size_t k = 0;
    net.for_each_parameter([&](auto& p) {
        using P = std::remove_cvref_t<decltype(p)>;
        p.value = f.tensor<typename P::scalar, P::rank>(prefix + ".p" + std::to_string(k++));
    });
}

/// The worst relative error over every parameter's value (`what` = "p") or gradient ("g").
template <class Net>
double parameter_error(const Net& net, const fixture& f, const std::string& prefix, const std::string& what,
                       double floor = 1e-12) {
    std::size_t k = 0;
    double worst = 0.0;
    net.for_each_parameter([&](const auto& p) {
        using P = std::remove_cvref_t<decltype(p)>;
        const auto expected = f.tensor<typename P::scalar, P::rank>(prefix + "." + what + std::to_string(k++));
        worst = std::max(worst, max_relative_error(what == "g" ? p.grad : p.value, expected, floor));
    });
    return worst;
}

}  // namespace ctnn_test
