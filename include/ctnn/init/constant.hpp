// constant: every weight and bias set to `value` (torch.nn.init.constant_ on every tensor).
#pragma once

#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"

namespace ctnn::init {

struct constant {
    static constexpr std::string_view name = "constant";
    double value = 0.0;

    template <class T, std::size_t R>
    void weight(tensor<T, R>& w, fans, rng&) const {
        w.fill(T(value));
    }
    template <class T>
    void bias(tensor<T, 1>& b, fans, rng&) const {
        b.fill(T(value));
    }
};

}  // namespace ctnn::init
