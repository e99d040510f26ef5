// How far back through time the gradient that enters a recurrent layer at its last step reaches:
// what the gradient-health monitor's vanishing_in_time and exploding_in_time events judge.
#pragma once

#include <concepts>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace ctnn {

/// ‖∂L/∂h_first‖ / ‖∂L/∂h_{T−1}‖ of the last backward pass, for a layer whose loss gradient enters
/// at its last step only, `first` being the earliest step that gradient reaches: 0, or under
/// truncated back-propagation through time the first step of the last window. `steps` is
/// T − 1 − first. Not measured (a NaN ratio, 0 steps) where the ratio would not say how far
/// the gradient travels: a layer whose output is read at every step (there each step's norm
/// mixes what came back through time with what entered at that step), one step, or no gradient
/// at the last step.
struct time_reach {
    double ratio = std::numeric_limits<double>::quiet_NaN();
    std::size_t steps = 0;

    bool measured() const noexcept { return steps > 0; }

    /// From ‖∂L/∂h_t‖, t = 0 … T−1, of a layer whose gradient enters at its last step, with no
    /// gradient flowing from a step t into t − 1 where t is a multiple of `truncation` (0: none).
    static time_reach of(std::span<const double> norms, std::size_t truncation = 0) noexcept {
        if (norms.size() < 2) return {};
        const std::size_t last = norms.size() - 1;
        const std::size_t first = truncation > 0 ? last / truncation * truncation : 0;
        if (first == last || !(norms[last] > 0.0)) return {};
        return {norms[first] / norms[last], last - first};
    }
};

/// A recurrent layer's `time_gradient_reach()`, or for a layer without one, time_reach::of its
/// `time_gradient_norms()` (its gradient taken to enter at the last step only).
template <class Layer>
time_reach time_reach_of(const Layer& layer) {
    if constexpr (requires {
                      { layer.time_gradient_reach() } -> std::convertible_to<time_reach>;
                  }) {
        return layer.time_gradient_reach();
    } else {
        std::vector<double> norms;
        for (const auto norm : layer.time_gradient_norms()) norms.push_back(double(norm));
        return time_reach::of(norms);
    }
}

}  // namespace ctnn
