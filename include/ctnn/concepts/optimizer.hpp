// What an optimizer policy must provide.
#pragma once

#include <concepts>
#include <string_view>

#include "ctnn/core/parameter.hpp"

namespace ctnn {

template <class O>
concept optimizer_has_update = requires(const O& o, parameter<double, 2>& w, parameter<float, 1>& b) {
    o.prepare(w);
    o.update(w);
    o.prepare(b);
    o.update(b);
};

template <class O>
concept optimizer_has_learning_rate = requires(O& o) {
    { o.lr } -> std::convertible_to<double>;
    o.lr = 0.1;
};

template <class O>
concept optimizer_has_traits = std::copy_constructible<O> && requires(const O& o) {
    { O::name } -> std::convertible_to<std::string_view>;
    o.validate();
};

/// Updates one parameter from its gradient (`update`), after `prepare` allocated its state;
/// `lr` is a public member so schedules and users can change it between steps; `validate()`
/// throws ctnn::invalid_argument for hyper-parameters outside their domain.
template <class O>
concept optimizer_policy =
    optimizer_has_update<O> && optimizer_has_learning_rate<O> && optimizer_has_traits<O>;

}  // namespace ctnn
