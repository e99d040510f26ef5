// What a weight-init policy must provide.
#pragma once

#include <concepts>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"

namespace ctnn {

template <class I>
concept initializer_has_weight = requires(const I& i, tensor<double, 2>& w, init::fans f, rng& r) {
    i.weight(w, f, r);
};

template <class I>
concept initializer_has_bias = requires(const I& i, tensor<double, 1>& b, init::fans f, rng& r) {
    i.bias(b, f, r);
};

template <class I>
concept initializer_has_traits = std::default_initializable<I> && requires {
    { I::name } -> std::convertible_to<std::string_view>;
};

/// Fills a weight (given its fans) and a bias from a seeded stream; default constructible so a
/// layer can hold one (configure it through the layer's `initializer` member).
template <class I>
concept initializer_policy =
    initializer_has_weight<I> && initializer_has_bias<I> && initializer_has_traits<I>;

}  // namespace ctnn
