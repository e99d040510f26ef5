// Smooth L1 loss, PyTorch's SmoothL1Loss(reduction='mean', beta=1.0): Huber divided by beta, so
// its linear part has slope 1 whatever beta is; beta = 0 is the L1 loss.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"

#include "ctnn/detail/elementwise_loss.hpp"

namespace ctnn::loss {

struct smooth_l1 {
    static constexpr std::string_view name = "smooth_l1";

    /// Where the quadratic part meets the linear one; >= 0.
    double beta = 1.0;

    void validate() const {
        if (!(beta >= 0.0))
            throw invalid_argument("ctnn: smooth_l1 needs beta >= 0, got " + std::to_string(beta));
    }

    // ŷ (B, N), y (B, N) -> L = mean of ½d²/β if |d| < β, else |d| − ½β, d = ŷ − y
    template <class P, class Y>
    double value(const P& prediction, const Y& target) const {
        return detail::elementwise_mean(prediction, target, [this](double p, double y) { return element(p - y); });
    }

    // ŷ (B, N), y (B, N) -> L, and dL/dŷ = clamp(d/β, −1, 1)/(B·N) into grad (B, N)
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& target, G& grad) const {
        return detail::elementwise_mean_and_gradient(
            prediction, target, grad, [this](double p, double y) { return element(p - y); },
            [this](double p, double y, double norm) {
                const double d = p - y;
                // torch's smooth_l1_loss_backward, branch for branch; with β = 0 it gives −1/(B·N)
                // at d = 0 (0 <= −0), which torch's autograd returns too
                return d <= -beta ? -norm : d >= beta ? norm : norm * d / beta;
            });
    }

private:
    // β = 0 never takes the quadratic branch: no division by zero.
    double element(double d) const {
        const double z = std::abs(d);
        return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
    }
};

}  // namespace ctnn::loss
