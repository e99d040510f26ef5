// Mean absolute error, PyTorch's L1Loss(reduction='mean'): robust to outliers, its gradient has
// the same size for every error.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

#include "ctnn/detail/elementwise_loss.hpp"

namespace ctnn::loss {

struct mae {
    static constexpr std::string_view name = "mae";

    // ŷ (B, N), y (B, N) -> L = Σ|ŷ − y| / (B·N)
    template <class P, class Y>
    double value(const P& prediction, const Y& target) const {
        return detail::elementwise_mean(prediction, target, element);
    }

    // ŷ (B, N), y (B, N) -> L, and dL/dŷ = sign(ŷ − y)/(B·N) into grad (B, N): 0 where ŷ = y,
    // as torch.sign gives; a NaN difference stays NaN
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& target, G& grad) const {
        return detail::elementwise_mean_and_gradient(prediction, target, grad, element,
                                                     [](double p, double y, double norm) {
                                                         const double d = p - y;
                                                         const double sign = d > 0.0 ? 1.0 : d < 0.0 ? -1.0 : d;
                                                         return sign * norm;
                                                     });
    }

private:
    static double element(double p, double y) { return std::abs(p - y); }
};

}  // namespace ctnn::loss
