// normal: every weight and bias ~ N(mean, stddev²) (torch.nn.init.normal_ on every tensor).
#pragma once

#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"

namespace ctnn::init {

struct normal {
    static constexpr std::string_view name = "normal";
    double mean = 0.0;
    double stddev = 1.0;

    template <class T, std::size_t R>
    void weight(tensor<T, R>& w, fans, rng& r) const {
        for (auto& v : w) v = T(r.normal(mean, stddev));
    }
    template <class T>
    void bias(tensor<T, 1>& b, fans f, rng& r) const {
        weight(b, f, r);
    }
};

}  // namespace ctnn::init
