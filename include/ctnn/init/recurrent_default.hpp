// PyTorch's nn.RNN / nn.LSTM / nn.GRU default: every weight and bias ~ U(±1/√hidden), whatever
// the input width and the stacked gates' rows. Recurrent layers pass fans{columns, rows, hidden};
// this policy reads only `hidden` (`out` when there is none, as for a dense layer).
#pragma once

#include <cmath>
#include <string_view>

#include "ctnn/core/rng.hpp"
#include "ctnn/detail/xtensor.hpp"
#include "ctnn/init/fans.hpp"
#include "ctnn/init/pytorch_default.hpp"

namespace ctnn::init {

struct recurrent_default {
    static constexpr std::string_view name = "recurrent_default";
    static double bound(fans f) { return 1.0 / std::sqrt(double(f.hidden != 0 ? f.hidden : f.out)); }

    // nn.Linear's U(±1/√fan_in) with the hidden width in the fan_in's place.
    template <class T, std::size_t R>
    void weight(tensor<T, R>& w, fans f, rng& r) const {
        pytorch_default{}.weight(w, fans{f.hidden != 0 ? f.hidden : f.out, f.in}, r);
    }
    template <class T>
    void bias(tensor<T, 1>& b, fans f, rng& r) const {
        weight(b, f, r);
    }
};

}  // namespace ctnn::init
