// He et al. 2015: W ~ U(±bound), bound = gain·√(3 / fan); bias 0. PyTorch's defaults:
// mode fan_in, nonlinearity leaky_relu with slope 0 (gain √2, the ReLU gain).
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
struct kaiming_uniform {
    static constexpr std::string_view name = "kaiming_uniform";
    static double bound(fans f) {
        const double fan = double(Mode == fan_mode::fan_in ? f.in : f.out);
        return Gain::value() * std::sqrt(3.0 / fan);
    }

    template <class T, std::size_t R>
    void weight(tensor<T, R>& w, fans f, rng& r) const {
        const double a = bound(f);
        for (auto& v : w) v = T(r.uniform(-a, a));
    }
    template <class T>
    void bias(tensor<T, 1>& b, fans, rng&) const {
        b.fill(T(0));
    }
};

}  // namespace ctnn::init
