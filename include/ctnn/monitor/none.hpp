// monitor::none: watches nothing and costs nothing (the trainer's default). Every hook is an
// empty inline function and the trainer stores it as [[no_unique_address]].
#pragma once

#include <string>
#include <string_view>

#include "ctnn/train/fit_options.hpp"

namespace ctnn::monitor {

struct none {
    static constexpr std::string_view name = "none";

    template <class Network>
    constexpr bool observe_gradients(Network&, const step_report&) const noexcept {
        return true;
    }
    template <class Network>
    constexpr void before_update(Network&) const noexcept {}
    template <class Network>
    constexpr void observe_update(Network&, const step_report&) const noexcept {}
    std::string report() const { return {}; }
};

}  // namespace ctnn::monitor
