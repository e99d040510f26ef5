// Copies fixture weights `<prefix>w<i>`, `<prefix>b<i>` into layer i of a network.
#pragma once

#include <string>
#include <utility>

#include "support/approx.hpp"
#include "support/fixture.hpp"

namespace ctnn_test {

template <class Net>
void load_weights(Net& net, const fixture& f, const std::string& prefix = "",
                  const std::string& suffix = "") {
    using T = typename Net::scalar;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((net.template layer<I>().weight.value =
              f.tensor<T, 2>(prefix + "w" + std::to_string(I) + suffix),
          net.template layer<I>().bias.value =
              f.tensor<T, 1>(prefix + "b" + std::to_string(I) + suffix)),
         ...);
    }(std::make_index_sequence<Net::depth>{});
}

/// Requires every layer's weight and bias to match the fixture within `tolerance` (relative).
template <class Net>
double max_weight_error(const Net& net, const fixture& f, const std::string& prefix,
                        const std::string& suffix = "") {
    using T = typename Net::scalar;
    double worst = 0.0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        ((worst = std::max({worst,
                            max_relative_error(net.template layer<I>().weight.value,
                                               f.tensor<T, 2>(prefix + "w" + std::to_string(I) + suffix)),
                            max_relative_error(net.template layer<I>().bias.value,
                                               f.tensor<T, 1>(prefix + "b" + std::to_string(I) + suffix))})),
         ...);
    }(std::make_index_sequence<Net::depth>{});
    return worst;
}

}  // namespace ctnn_test
