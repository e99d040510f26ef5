// Huber loss, PyTorch's HuberLoss(reduction='mean', delta=1.0): quadratic for errors below delta,
// linear (slope delta) beyond, so an outlier's gradient is bounded by delta.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>

#include "ctnn/core/errors.hpp"

#include "ctnn/detail/elementwise_loss.hpp"

namespace ctnn::loss {

struct huber {
    static constexpr std::string_view name = "huber";

    /// Where the quadratic part meets the linear one; > 0.
    double delta = 1.0;

    void validate() const {
        if (!(delta > 0.0))
            throw invalid_argument("ctnn: huber needs delta > 0, got " + std::to_string(delta));
    }

    // ŷ (B, N), y (B, N) -> L = mean of ½d² if |d| < δ, else δ(|d| − ½δ), d = ŷ − y
    template <class P, class Y>
    double value(const P& prediction, const Y& target) const {
        return detail::elementwise_mean(prediction, target, [this](double p, double y) { return element(p - y); });
    }

    // ŷ (B, N), y (B, N) -> L, and dL/dŷ = clamp(d, −δ, δ)/(B·N) into grad (B, N)
    template <class P, class Y, class G>
    double value_and_gradient(const P& prediction, const Y& target, G& grad) const {
        return detail::elementwise_mean_and_gradient(
            prediction, target, grad, [this](double p, double y) { return element(p - y); },
            [this](double p, double y, double norm) {
                const double d = p - y;
                // torch's huber_loss_backward, branch for branch (a NaN d falls through to norm·d)
                return d < -delta ? -norm * delta : d > delta ? norm * delta : norm * d;
            });
    }

private:
    double element(double d) const {
        const double z = std::abs(d);
        return z < delta ? 0.5 * z * z : delta * (z - 0.5 * delta);
    }
};

}  // namespace ctnn::loss
