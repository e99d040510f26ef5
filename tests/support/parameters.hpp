// Loads and compares a network's parameters in visiting order, as fixtures list them:
// `<prefix>.p<k>` values, `<prefix>.g<k>` gradients; and a short training against PyTorch's.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>

#include <ctnn/core.hpp>

#include <catch2/catch.hpp>

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

/// Full-batch training of `net` from the fixture's `<prefix>.p<k>` parameters on `<prefix>.x`
/// (of rank XRank) and `<prefix>.y`, MSE and `optimizer`, one step per value of `<prefix>.loss`:
/// each step's loss and the final parameters (`<prefix>.final_p<k>`) against PyTorch's, 1e-9
/// relative.
template <std::size_t XRank, class Net, class Optimizer>
void check_trajectory(Net& net, const fixture& f, const std::string& prefix, const Optimizer& optimizer) {
    load_parameters(net, f, prefix);
    ctnn::trainer trainer{net, ctnn::loss::mse{}, optimizer};
    const auto& expected = f.values(prefix + ".loss");
    const auto losses = trainer.fit(f.tensor<double, XRank>(prefix + ".x"), f.tensor<double, 2>(prefix + ".y"),
                                    {.epochs = expected.size(), .batch_size = 0, .shuffle = false})
                            .epoch_losses;
    REQUIRE(losses.size() == expected.size());
    for (std::size_t s = 0; s < losses.size(); ++s) {
        INFO(prefix << " step " << s << ": " << losses[s] << " vs " << expected[s]);
        CHECK(std::abs(losses[s] - expected[s]) <= 1e-9 * std::abs(expected[s]));
    }
    CHECK(parameter_error(net, f, prefix, "final_p") <= 1e-9);
}

}  // namespace ctnn_test
