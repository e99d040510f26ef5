// Glorot & Bengio 2010: W ~ U(±a), a = gain·√(6 / (fan_in + fan_out)); bias 0.
// Keeps activation and gradient variance equal across layers for linear/tanh-like units.
#pragma once

#include <cmath>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"
#include "ctnn/init/gain.hpp"

namespace ctnn::init {

template <class Gain = gain::linear>
struct xavier_uniform {
    static constexpr std::string_view name = "xavier_uniform";
    static double bound(fans f) { return Gain::value() * std::sqrt(6.0 / double(f.in + f.out)); }

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
