// zeros: every weight and bias 0. Useful for tests; a net of it never breaks symmetry.
#pragma once

#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"

namespace ctnn::init {

struct zeros {
    static constexpr std::string_view name = "zeros";
    template <class T, std::size_t R>
    void weight(tensor<T, R>& w, fans, rng&) const {
        w.fill(T(0));
    }
    template <class T>
    void bias(tensor<T, 1>& b, fans, rng&) const {
        b.fill(T(0));
    }
};

}  // namespace ctnn::init
