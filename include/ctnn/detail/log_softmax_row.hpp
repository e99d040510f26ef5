// log softmax of one row of logits, shifted by the row's maximum: what the cross-entropy
// losses and predict_proba share (the softmax layers do the same column-wise, feature-major),
// so that logits of ±1000 neither overflow nor lose precision.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

namespace ctnn::detail {

/// z (C) -> m = max z and log Σ e^(z − m); `at(zⱼ)` is log softmax(z)ⱼ = zⱼ − m − log Σ.
struct log_softmax_row {
    double max;
    double log_sum;

    template <class S>
    log_softmax_row(const S* z, std::size_t classes) {
        // a NaN logit the comparisons skip still makes the sum below, and so the loss, NaN
        max = double(z[0]);
        for (std::size_t j = 1; j < classes; ++j) max = std::max(max, double(z[j]));
        double sum = 0.0;
        for (std::size_t j = 0; j < classes; ++j) sum += std::exp(double(z[j]) - max);
        log_sum = std::log(sum);
    }
    template <class S>
    double at(S z) const noexcept {
        return double(z) - max - log_sum;
    }
};

}  // namespace ctnn::detail
