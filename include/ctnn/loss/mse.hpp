// Mean squared error, PyTorch's MSELoss(reduction='mean'): the mean over every element (not the
// half-MSE some libraries use, whose gradient is half of this one).
#pragma once

#include <cstddef>
#include <string_view>

namespace ctnn::loss {

struct mse {
    static constexpr std::string_view name = "mse";

    // ŷ (B, N), y (B, N) -> L = Σ(ŷ − y)² / (B·N)
    template <class P, class Y>
    double value(const P& prediction, const Y& target) const {
        const auto* p = prediction.data();
        const auto* y = target.data();
        const std::size_t n = prediction.size();
        double sum = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const double d = double(p[i]) - double(y[i]);
            sum += d * d;
        }
        return sum / double(n);
    }

    // ŷ (B, N), y (B, N) -> L, and dL/dŷ = 2(ŷ − y)/(B·N) into grad (B, N)
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& target, G& grad) const {
        using T = typename G::value_type;
        const auto* p = prediction.data();
        const auto* y = target.data();
        auto* g = grad.data();
        const std::size_t n = prediction.size();
        const T scale = T(2) / T(n);
        double sum = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const T d = p[i] - y[i];
            g[i] = scale * d;
            sum += double(d) * double(d);
        }
        return sum / double(n);
    }
};

}  // namespace ctnn::loss
