// PyTorch's nn.Linear default: W and b ~ U(±1/√fan_in). (PyTorch writes it as
// kaiming_uniform_(a=√5), whose bound gain·√(3/fan_in) with gain √(2/6) is exactly 1/√fan_in.)
#pragma once

#include <cmath>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"

namespace ctnn::init {

struct pytorch_default {
    static constexpr std::string_view name = "pytorch_default";
    static double bound(fans f) { return 1.0 / std::sqrt(double(f.in)); }

    template <class T, std::size_t R>
    void weight(tensor<T, R>& w, fans f, rng& r) const {
        const double a = bound(f);
        for (auto& v : w) v = T(r.uniform(-a, a));
    }
    template <class T>
    void bias(tensor<T, 1>& b, fans f, rng& r) const {
        weight(b, f, r);
    }
};

}  // namespace ctnn::init
