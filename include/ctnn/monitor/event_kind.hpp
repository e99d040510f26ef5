// What a gradient-health event reports.
#pragma once

#include <string_view>

namespace ctnn::monitor {

enum class event_kind {
    non_finite,  ///< a NaN or ±infinity in the loss, a layer's output or its gradients
    explosion,   ///< a layer's gradient norm above k× its running average
    vanishing,   ///< the first layer's gradient below a fraction of the last layer's
    vanishing_in_time,  ///< the gradient entering a recurrent layer at its last step shrank on its way back (time_reach)
    dead,        ///< most ReLU units of a layer output 0 for the whole batch
    saturated,   ///< most tanh/sigmoid outputs of a layer sit on the flat part of the curve
    exploding_in_time,  ///< the gradient entering a recurrent layer at its last step grew on its way back
};

constexpr std::string_view to_string(event_kind kind) noexcept {
    switch (kind) {
        case event_kind::non_finite: return "non_finite";
        case event_kind::explosion: return "explosion";
        case event_kind::vanishing: return "vanishing";
        case event_kind::vanishing_in_time: return "vanishing_in_time";
        case event_kind::dead: return "dead";
        case event_kind::saturated: return "saturated";
        case event_kind::exploding_in_time: return "exploding_in_time";
    }
    return "unknown";
}

}  // namespace ctnn::monitor
