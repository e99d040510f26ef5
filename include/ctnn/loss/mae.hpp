// Mean absolute error, PyTorch's L1Loss(reduction='mean'): robust to outliers, its gradient has
// the same size for every error.
#pragma once

#include <cmath>
#include <cstddef>
#include <string_view>

namespace ctnn::loss {

struct mae {
    static constexpr std::string_view name = "mae";

    // ŷ (B, N), y (B, N) -> L = Σ|ŷ − y| / (B·N)
    template <class P, class Y>
    double value(const P& prediction, const Y& target) const {
        const auto* p = prediction.data();
        const auto* y = target.data();
        const std::size_t n = prediction.size();
        double sum = 0.0;
        for (std::size_t i = 0; i < n; ++i) sum += std::abs(double(p[i]) - double(y[i]));
        return sum / double(n);
    }

    // ŷ (B, N), y (B, N) -> L, and dL/dŷ = sign(ŷ − y)/(B·N) into grad (B, N): 0 where ŷ = y,
    // as torch.sign gives; a NaN difference stays NaN
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& target, G& grad) const {
        using T = typename G::value_type;
        const auto* p = prediction.data();
        const auto* y = target.data();
        auto* g = grad.data();
        const std::size_t n = prediction.size();
        const double norm = 1.0 / double(n);
        double sum = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double d = double(p[i]) - double(y[i]);
            const double sign = d > 0.0 ? 1.0 : d < 0.0 ? -1.0 : d;
            g[i] = T(sign * norm);
            sum += std::abs(d);
        }
        return sum / double(n);
    }
};

}  // namespace ctnn::loss
