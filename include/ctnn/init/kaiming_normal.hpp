// He et al. 2015, normal form: W ~ N(0, σ²), σ = gain / √fan; bias 0. Defaults as PyTorch's.
#pragma once

#include <cmath>
#include <ratio>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"
#include "ctnn/init/gain.hpp"

namespace ctnn::init {

template <class Gain = gain::leaky_relu<std::ratio<0>>, fan_mode Mode = fan_mode::fan_in>
struct kaiming_normal {
    static constexpr std::string_view name = "kaiming_normal";
    static double sigma(fans f) {
        const double fan = double(Mode == fan_mode::fan_in ? f.in : f.out);
        return Gain::value() / std::sqrt(fan);
    }

    template <class T, std::size_t R>
    void weight(tensor<T, R>& w, fans f, rng& r) const {
        const double s = sigma(f);
        for (auto& v : w) v = T(r.normal(0.0, s));
    }
    template <class T>
    void bias(tensor<T, 1>& b, fans, rng&) const {
        b.fill(T(0));
    }
};

}  // namespace ctnn::init
