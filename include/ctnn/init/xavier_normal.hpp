// Glorot & Bengio 2010, normal form: W ~ N(0, σ²), σ = gain·√(2 / (fan_in + fan_out)); bias 0.
#pragma once

#include <cmath>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"
#include "ctnn/init/gain.hpp"

namespace ctnn::init {

template <class Gain = gain::linear>
struct xavier_normal {
    static constexpr std::string_view name = "xavier_normal";
    static double sigma(fans f) { return Gain::value() * std::sqrt(2.0 / double(f.in + f.out)); }

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
