// Binary cross-entropy on logits, PyTorch's BCEWithLogitsLoss(reduction='mean'): a sigmoid and
// the binary cross-entropy in one stable expression, so a logit of ±50 neither overflows nor
// loses the gradient, which sigmoid followed by log would.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>

#include "ctnn/detail/elementwise_loss.hpp"

namespace ctnn::loss {

struct bce_with_logits {
    static constexpr std::string_view name = "bce_with_logits";

    // z (B, N) logits, y (B, N) targets in [0, 1] (soft labels allowed; not checked, as in torch)
    //   -> L = mean of max(z, 0) − z·y + log(1 + e^−|z|)
    template <class P, class Y>
    double value(const P& prediction, const Y& target) const {
        return detail::elementwise_mean(prediction, target, element);
    }

    // z (B, N), y (B, N) -> L, and dL/dz = (σ(z) − y)/(B·N) into grad (B, N)
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& target, G& grad) const {
        return detail::elementwise_mean_and_gradient(prediction, target, grad, element,
                                                     [](double z, double y, double norm) {
                                                         // σ(z) as torch computes it: e^−z = inf for
                                                         // very negative z gives exactly 0
                                                         const double sigmoid = 1.0 / (1.0 + std::exp(-z));
                                                         return (sigmoid - y) * norm;
                                                     });
    }

private:
    static double element(double z, double y) {
        return std::max(z, 0.0) - z * y + std::log1p(std::exp(-std::abs(z)));
    }
};

}  // namespace ctnn::loss
