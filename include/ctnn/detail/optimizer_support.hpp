// What every optimizer does the same way: allocate a state slot once, refuse a setting outside
// its domain with a message that names the optimizer, the condition and the value given.
#pragma once

#include <cmath>
#include <cstddef>
#include <sstream>
#include <string_view>

#include "ctnn/core/errors.hpp"
#include "ctnn/detail/xtensor.hpp"

namespace ctnn::detail {

// Out of line: a tensor's construction, move and release, inlined into every layer's parameter
// visit, were 1.6 KB of code per layer in the seed example (W5, compile time).
template <class T, std::size_t R>
[[gnu::noinline]] void reshape_state(tensor<T, R>& slot, const tensor<T, R>& value, T initial) {
    slot = tensor<T, R>::from_shape(value.shape());
    slot.fill(initial);
}

/// Gives an optimizer state slot the shape of `value`, filled with `initial`, the first time
/// only: a slot of that shape already holds the state of earlier steps and is kept.
template <class T, std::size_t R>
void allocate_state(tensor<T, R>& slot, const tensor<T, R>& value, T initial) {
    if (slot.shape() != value.shape()) reshape_state(slot, value, initial);
}

/// x is a finite number >= 0: an infinite rate, decay or momentum turns every weight it
/// touches into ±inf or NaN at the first step.
inline bool finite_non_negative(double x) noexcept { return std::isfinite(x) && x >= 0.0; }

/// Throws invalid_argument "ctnn: <optimizer> needs <condition>, got <value>" unless `ok`.
inline void require_setting(bool ok, std::string_view optimizer, std::string_view condition,
                            double got) {
    if (ok) return;
    std::ostringstream message;
    message << "ctnn: " << optimizer << " needs " << condition << ", got " << got;
    throw invalid_argument(message.str());
}

}  // namespace ctnn::detail
