// One thing the gradient-health monitor saw go wrong: when, where, and by how much.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ctnn/monitor/event_kind.hpp"

namespace ctnn::monitor {

struct health_event {
    std::size_t step = 0;         ///< the trainer's step number (step_report::step)
    event_kind kind = event_kind::non_finite;
    std::size_t layer = 0;        ///< position of the layer in the network, from 0
    std::string_view layer_kind;  ///< "dense", "rnn", ...
    double value = 0.0;           ///< what was measured (norm / running average, ratio, fraction)
    double threshold = 0.0;       ///< the setting it crossed
    std::string message;          ///< one sentence with the step, the layer and the numbers
    /// A layer inside a block at position `layer`: its name there (layer_health::inner); else "".
    std::string inner;
};

}  // namespace ctnn::monitor
